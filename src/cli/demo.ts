import * as vm from '../index.js';

/** Options of the end-to-end demo. */
export interface DemoOptions {
  epochs: number;
  seed: number;
  /** Weight of the input-gradient-norm penalty (the VARMAT-style regularizer). */
  alpha: number;
  log: (line: string) => void;
}

/**
 * Two interleaved half-moons in 2-D (a classic small non-linear problem), generated from a seed.
 * Returns features [n, 2] and int32 labels [n].
 */
function moons(n: number, rng: vm.Rng): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * rng.uniform();
    x[2 * i] = (label === 0 ? Math.cos(t) : 1 - Math.cos(t)) + 0.15 * rng.normal();
    x[2 * i + 1] = (label === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + 0.15 * rng.normal();
    y[i] = label;
  }
  return { x, y };
}

/** Uniform(+-1/sqrt(fanIn)) weights, PyTorch's Linear default. */
function linear(fanIn: number, fanOut: number, rng: vm.Rng): vm.Tensor[] {
  const bound = 1 / Math.sqrt(fanIn);
  return [
    vm.rand([fanIn, fanOut], { rng, low: -bound, high: bound }).requiresGrad_(),
    vm.rand([fanOut], { rng, low: -bound, high: bound }).requiresGrad_(),
  ];
}

function forward(params: vm.Tensor[], x: vm.Tensor): vm.Tensor {
  const [w1, b1, w2, b2, w3, b3] = params;
  const h1 = x.matmul(w1).add(b1).gelu();
  const h2 = h1.matmul(w2).add(b2).gelu();
  return h2.matmul(w3).add(b3);
}

/**
 * The README's main job until the training issues land: trains a small GELU MLP on two moons with
 * the tape autodiff, adding a gradient-norm penalty alpha * mean_i ||d CE_i / d x_i||_2 (a
 * gradient of a gradient, the kind of regularizer VARMAT uses), and reports clean accuracy and
 * accuracy under an L2 FGSM attack on the inputs for the plain and the regularized model.
 */
export function runDemo(options: DemoOptions): { plain: DemoResult; regularized: DemoResult } {
  const { log } = options;
  const rng = new vm.Rng(options.seed);
  const train = moons(512, rng);
  const test = moons(512, rng);
  const plain = trainOne({ ...options, alpha: 0 }, train, test, rng.fork(), 'plain      ');
  const regularized = trainOne(options, train, test, rng.fork(), 'regularized');
  log('');
  log(`backend: ${vm.getBackend().describe()}`);
  log(`                 clean acc   FGSM-L2 acc (eps ${EPS})   mean ||grad_x CE||`);
  for (const [name, r] of [['plain', plain], ['regularized', regularized]] as const) {
    log(`${name.padEnd(16)} ${pct(r.clean)}      ${pct(r.robust)}                  ${r.gradNorm.toFixed(4)}`);
  }
  return { plain, regularized };
}

/** What one demo model reached on the test set. */
export interface DemoResult {
  clean: number;
  robust: number;
  gradNorm: number;
}

const EPS = 0.3;
const pct = (v: number): string => `${(100 * v).toFixed(1).padStart(5)}%`;

function trainOne(
  options: DemoOptions,
  train: { x: Float32Array; y: Int32Array },
  test: { x: Float32Array; y: Int32Array },
  rng: vm.Rng,
  tag: string,
): DemoResult {
  const params = [...linear(2, 32, rng), ...linear(32, 32, rng), ...linear(32, 2, rng)];
  const velocity = params.map((p) => vm.keep(vm.zerosLike(p)));
  const batch = 64;
  const lr = 0.1;
  const n = train.y.length;
  const started = performance.now();
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const order = rng.permutation(n);
    let lossSum = 0;
    for (let start = 0; start < n; start += batch) {
      const idx = order.subarray(start, Math.min(n, start + batch));
      lossSum += vm.tidy(() => {
        const xs = new Float32Array(idx.length * 2);
        idx.forEach((i, k) => xs.set(train.x.subarray(2 * i, 2 * i + 2), 2 * k));
        const xg = vm.tensor(xs, [idx.length, 2]).requiresGrad_();
        const yb = vm.tensor(Int32Array.from(idx, (i) => train.y[i]), [idx.length], { dtype: 'int32' });
        const ce = vm.crossEntropy(forward(params, xg), yb);
        let loss = ce;
        if (options.alpha > 0) {
          // d CE_mean / d x_i = (1/B) d CE_i / d x_i, so scale by B to penalise per-sample norms.
          const [gx] = vm.grad([ce], [xg], { createGraph: true });
          loss = ce.add(vm.rowNorms(gx!, 2).mean().mul(options.alpha * idx.length));
        }
        const grads = vm.grad([loss], params);
        params.forEach((p, i) => {
          // SGD with momentum 0.9, updated in place of the old tensors.
          const v = vm.keep(velocity[i].mul(0.9).add(grads[i]!));
          velocity[i].dispose();
          velocity[i] = v;
          const next = vm.keep(vm.noGrad(() => p.sub(v.mul(lr))).requiresGrad_());
          p.dispose();
          params[i] = next;
        });
        return loss.item() * idx.length;
      });
    }
    if (epoch % 10 === 0 || epoch === options.epochs) {
      const rate = (epoch * n) / ((performance.now() - started) / 1000);
      options.log(`${tag} epoch ${String(epoch).padStart(3)}/${options.epochs}  loss ${(lossSum / n).toFixed(4)}  ${rate.toFixed(0)} samples/s`);
    }
  }
  const result = evaluate(params, test);
  vm.dispose([params, velocity]);
  return result;
}

function evaluate(params: vm.Tensor[], test: { x: Float32Array; y: Int32Array }): DemoResult {
  return vm.tidy(() => {
    const n = test.y.length;
    const x = vm.tensor(test.x, [n, 2]).requiresGrad_();
    const y = vm.tensor(test.y, [n], { dtype: 'int32' });
    const ce = vm.crossEntropy(forward(params, x), y, { reduction: 'sum' });
    const [g] = vm.grad([ce], [x]);
    const norms = vm.rowNorms(g!, 2);
    // One L2 FGSM step of size eps along each sample's normalised gradient.
    const adv = x.detach().add(g!.div(norms.reshape([n, 1]).add(1e-12)).mul(EPS));
    const acc = (input: vm.Tensor): number => vm.noGrad(() => forward(params, input).argmax(1).cast('float32').eq(y.cast('float32')).mean().item());
    return { clean: acc(x.detach()), robust: acc(adv), gradNorm: norms.mean().item() };
  });
}
