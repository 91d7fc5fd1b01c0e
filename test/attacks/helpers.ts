// Small two-modality models and data for the attack tests: a linear model (logits linear in both
// modalities, so first-order statements are exact) and a tiny MLP with tanh encoders, trained in a
// few hundred full-batch steps on separable blobs.

import * as vm from '../../src/index.js';
import type { AttackModel } from '../../src/attacks/index.js';

export type Placement = { dtype: 'float32' | 'float64'; backend: vm.BackendName };

/** A model whose parameters are plain tensors; `dispose` frees them. */
export interface TinyModel extends AttackModel {
  readonly params: vm.Tensor[];
  dispose(): void;
}

/** Row-major random values in [-1, 1). */
function values(rng: vm.Rng, n: number): number[] {
  return Array.from({ length: n }, () => 2 * rng.uniform() - 1);
}

/**
 * logits = x_a Wa + x_b Wb + bias, with a [B, 2, 3] (flattened to 6) and b [B, 4]; encode is the
 * identity (latents = inputs), so latent and input attacks see the same linear function.
 */
export function linearModel(p: Placement, seed = 1, classes = 3): TinyModel {
  const rng = new vm.Rng(seed);
  const wa = vm.tensor(values(rng, 6 * classes), [6, classes], p);
  const wb = vm.tensor(values(rng, 4 * classes), [4, classes], p);
  const bias = vm.tensor(values(rng, classes), [classes], p);
  return linearFromWeights([wa, wb, bias]);
}

/** Blobs: class c has mean mu_c per modality (fixed by `seed`), plus noise of std `noise`. */
export function blobs(n: number, seed: number, p: Placement, noise = 0.35, classes = 3): { inputs: Record<string, vm.Tensor>; labels: vm.Tensor; indices: Int32Array } {
  const means = new vm.Rng(12345);
  const muA = Array.from({ length: classes }, () => values(means, 6).map((v) => 0.5 + 0.4 * v));
  const muB = Array.from({ length: classes }, () => values(means, 4).map((v) => 0.5 + 0.4 * v));
  const rng = new vm.Rng(seed);
  const a: number[] = [];
  const b: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels.push(c);
    for (const v of muA[c]) a.push(Math.min(1, Math.max(0, v + noise * rng.normal())));
    for (const v of muB[c]) b.push(Math.min(1, Math.max(0, v + noise * rng.normal())));
  }
  return {
    inputs: { a: vm.tensor(a, [n, 2, 3], p), b: vm.tensor(b, [n, 4], p) },
    labels: vm.tensor(labels, [n], { dtype: 'int32', backend: p.backend }),
    indices: Int32Array.from({ length: n }, (_, i) => 100 + i),
  };
}

/** The tiny MLP's forward, on given weights [Ua, ca, Ub, cb, V, d]. */
export function mlpFromWeights(w: vm.Tensor[]): TinyModel {
  return {
    modalities: ['a', 'b'],
    params: w,
    encode: (x) => vm.tidy(() => ({
      a: x.a.reshape([x.a.shape[0], 6]).matmul(w[0]).add(w[1]).tanh(),
      b: x.b.matmul(w[2]).add(w[3]).tanh(),
    })),
    fuse: (z) => vm.tidy(() => vm.concat([z.a, z.b], 1).matmul(w[4]).add(w[5])),
    dispose: () => vm.dispose(w),
  };
}

/**
 * A tiny MLP: z_a = tanh(flatten(x_a) Ua + ca) [B, 5], z_b = tanh(x_b Ub + cb) [B, 5];
 * logits = [z_a, z_b] V + d. Trained by full-batch gradient descent on `blobs`.
 */
export function mlpModel(p: Placement, seed = 3, steps = 300): TinyModel {
  const rng = new vm.Rng(seed);
  const mk = (shape: number[], scale: number): vm.Tensor => vm.tensor(values(rng, shape.reduce((x, y) => x * y, 1)).map((v) => v * scale), shape, p).requiresGrad_();
  const w = [mk([6, 5], 0.8), mk([5], 0.1), mk([4, 5], 0.8), mk([5], 0.1), mk([10, 3], 0.5), mk([3], 0.1)];
  const model = mlpFromWeights(w);
  const data = blobs(90, 7, p);
  for (let s = 0; s < steps; s++) {
    const next = vm.tidy(() => {
      const loss = vm.crossEntropy(model.fuse(model.encode(data.inputs)), data.labels);
      const grads = vm.grad([loss], w);
      return w.map((t, i) => t.sub(grads[i]!.mul(0.5)).detach());
    });
    w.forEach((t, i) => {
      t.dispose();
      w[i] = vm.keep(next[i]).requiresGrad_(s < steps - 1);
    });
  }
  vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  return model;
}

/** A copy of a tiny model's weights on another placement. */
export function copyModel(model: TinyModel, p: Placement, build: (w: vm.Tensor[]) => TinyModel = mlpFromWeights): TinyModel {
  return build(model.params.map((t) => vm.tensor(t.dataSync(), t.shape, p)));
}

/** The linear model's forward on given weights [Wa, Wb, bias]. */
export function linearFromWeights(w: vm.Tensor[]): TinyModel {
  const [wa, wb, bias] = w;
  return {
    modalities: ['a', 'b'],
    params: w,
    encode: (x) => ({ a: x.a.reshape(x.a.shape), b: x.b.reshape(x.b.shape) }),
    fuse: (z) => vm.tidy(() => z.a.reshape([z.a.shape[0], 6]).matmul(wa).add(z.b.matmul(wb)).add(bias)),
    dispose: () => vm.dispose(w),
  };
}

/** Host copies of each modality (to check that nothing was mutated). */
export function snapshot(x: Readonly<Record<string, vm.Tensor>>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(x).map(([k, t]) => [k, Float64Array.from(t.dataSync())]));
}

/** Bit patterns of a tensor's values. */
export function bits(t: vm.Tensor): Uint8Array {
  const d = t.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** Per-row norms on the host (p = 2 or Infinity), rows = first axis. */
export function hostRowNorms(d: ArrayLike<number>, rows: number, p: 2 | typeof Infinity): number[] {
  const cols = d.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let acc = 0;
    for (let j = 0; j < cols; j++) {
      const v = Math.abs(d[r * cols + j]);
      acc = p === 2 ? acc + v * v : Math.max(acc, v);
    }
    return p === 2 ? Math.sqrt(acc) : acc;
  });
}

/** Initialises the wasm backend once (tests then switch with setBackend). */
export async function initWasm(): Promise<void> {
  await vm.init({ backend: 'wasm' });
  vm.setBackend('reference');
}
