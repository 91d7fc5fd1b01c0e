// The computations of the second-order checks, written once and run on any backend: the gradient
// of a gradient-norm penalty (VARMAT's regularizer) of a small MLP and of a conv/pool/softmax net.
import * as vm from '../../src/index.js';
import type { BackendName, Tensor } from '../../src/index.js';

/** Seeded normal values of `shape` (transformed), as float32. */
export function seeded(shape: number[], seed: number, transform: (v: number) => number = (v) => v): Float32Array {
  const rng = new vm.Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => transform(rng.normal()));
}

/** [penalty, d penalty / d weights...] of an MLP (LayerNorm, GELU, cross-entropy). */
export function mlpPenaltyGrads(): Tensor[] {
  const shapes = [[3, 5], [5], [5], [5], [5, 3]];
  const x = vm.tensor(seeded([4, 3], 10), [4, 3]);
  const y = vm.tensor([0, 2, 1, 2], undefined, { dtype: 'int32' });
  const weights = shapes.map((s, i) => vm.tensor(seeded(s, i + 1, i === 2 ? (v) => 1 + 0.3 * v : (v) => v), s).requiresGrad_());
  const [w1, b1, g, beta, w2] = weights;
  const xd = x.detach().requiresGrad_();
  const h = vm.layerNorm(xd.matmul(w1).add(b1), g, beta).gelu();
  const loss = vm.crossEntropy(h.matmul(w2), y);
  const [gx] = vm.grad([loss], [xd], { createGraph: true });
  const penalty = vm.rowNorms(gx!, 2).sum();
  return [penalty, ...vm.grad([penalty], weights).map((t) => t!)];
}

/** [penalty, d penalty / d w] through conv2d, tanh, max and average pooling and softmax. */
export function convPenaltyGrads(): Tensor[] {
  const x = vm.tensor(seeded([2, 2, 6, 6], 50), [2, 2, 6, 6]);
  const w = vm.tensor(seeded([3, 2, 3, 3], 51), [3, 2, 3, 3]).requiresGrad_();
  const xd = x.detach().requiresGrad_();
  const h = vm.maxPool2d(vm.conv2d(xd, w, { padding: 1 }).tanh(), 2);
  const a = vm.avgPool2d(h, 3).reshape([2, 3]).softmax().sum(0).mul(vm.tensor([1, 2, 3])).sum();
  const [gx] = vm.grad([a], [xd], { createGraph: true });
  const pen = vm.rowNorms(gx!, 2).sum();
  const [gw] = vm.grad([pen], [w]);
  return [pen, gw!];
}

/** Runs `run` on a backend inside tidy, reads every returned tensor, disposes them. */
export async function valuesOn(backend: BackendName, run: () => Tensor[]): Promise<Float32Array[]> {
  const outs = vm.withBackend(backend, () => vm.tidy(run));
  try {
    return (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
  } finally {
    vm.dispose(outs);
  }
}
