import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { relError, rnd } from '../helpers/gradcheck.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const labels = (): Tensor => vm.tensor([0, 2, 1, 2], undefined, { dtype: 'int32' });

/** A small MLP with LayerNorm and GELU, cross-entropy loss. */
function mlpLoss(x: Tensor, [w1, b1, g, beta, w2]: Tensor[], y: Tensor): Tensor {
  const h = vm.layerNorm(x.matmul(w1).add(b1), g, beta).gelu();
  return vm.crossEntropy(h.matmul(w2), y);
}

/** The gradient-norm penalty sum_i ||d loss / d x_i||_2, differentiable in the weights. */
function penalty(x: Tensor, weights: Tensor[], y: Tensor): Tensor {
  const xd = x.detach().requiresGrad_();
  const loss = mlpLoss(xd, weights, y);
  const [gx] = vm.grad([loss], [xd], { createGraph: true });
  return vm.rowNorms(gx!, 2).sum();
}

/** Central finite differences of a scalar function of `values` (float64). */
function numericGrad(values: Float64Array, f: (v: Float64Array) => number, h = 1e-5): Float64Array {
  const out = new Float64Array(values.length);
  for (let j = 0; j < values.length; j++) {
    const plus = values.slice();
    const minus = values.slice();
    plus[j] += h;
    minus[j] -= h;
    out[j] = (f(plus) - f(minus)) / (2 * h);
  }
  return out;
}

function makeWeights(): Tensor[] {
  return [rnd([3, 5], 1), rnd([5], 2), rnd([5], 3, (v) => 1 + 0.3 * v), rnd([5], 4), rnd([5, 3], 5)];
}

describe('second-order gradients', () => {
  it('gradient of a gradient-norm penalty matches finite differences (MLP + cross-entropy)', () => {
    vm.tidy(() => {
      const x = rnd([4, 3], 10);
      const y = labels();
      const weights = makeWeights().map((w) => w.requiresGrad_());
      const grads = vm.grad([penalty(x, weights, y)], weights);
      weights.forEach((w, i) => {
        const numeric = numericGrad(Float64Array.from(w.dataSync()), (v) => vm.tidy(() => {
          const ws = weights.map((u, k) => (k === i ? vm.tensor(v, u.shape, { dtype: 'float64' }) : u.detach()));
          return penalty(x, ws, y).item();
        }));
        expect(relError(grads[i]!.dataSync(), numeric)).toBeLessThan(1e-5);
      });
    });
  });

  it('the penalty reaches only what the detached input feeds (probe semantics)', () => {
    vm.tidy(() => {
      const encoderW = rnd([3, 3], 20).requiresGrad_();
      const weights = makeWeights().map((w) => w.requiresGrad_());
      const z = rnd([4, 3], 21).matmul(encoderW);
      const p = penalty(z, weights, labels());
      const [ge, gw] = vm.grad([p], [encoderW, weights[0]], { allowUnused: true });
      expect(ge).toBeNull();
      expect(vm.rowNorms(gw!.reshape([1, -1]), 2).item()).toBeGreaterThan(0);
    });
  });

  it('Hessian-vector product matches finite differences of gradients', () => {
    vm.tidy(() => {
      const x = rnd([4, 3], 30);
      const y = labels();
      const weights = makeWeights().map((w) => w.requiresGrad_());
      const v = weights.map((w, i) => rnd([...w.shape], 40 + i));
      const gs = vm.grad([mlpLoss(x, weights, y)], weights, { createGraph: true });
      const dot = gs.map((g, i) => g!.mul(v[i]).sum()).reduce((a, b) => a.add(b));
      const hv = vm.grad([dot], weights);
      const h = 1e-5;
      const gradAt = (sign: number): Float64Array[] => {
        const out: Float64Array[] = [];
        vm.tidy(() => {
          const ws = weights.map((w, i) => w.detach().add(v[i].mul(sign * h)).requiresGrad_());
          for (const g of vm.grad([mlpLoss(x, ws, y)], ws)) out.push(Float64Array.from(g!.dataSync()));
        });
        return out;
      };
      const plus = gradAt(1);
      const minus = gradAt(-1);
      hv.forEach((hvi, i) => {
        const numeric = plus[i].map((p, j) => (p - minus[i][j]) / (2 * h));
        expect(relError(hvi!.dataSync(), numeric)).toBeLessThan(1e-5);
      });
    });
  });

  it('third order: d^3/dx^3 of x^4 / 4 is 6x', () => {
    vm.tidy(() => {
      const x = vm.tensor([0.5, -1.5, 2], undefined, { dtype: 'float64' }).requiresGrad_();
      const [g1] = vm.grad([x.pow(4).div(4).sum()], [x], { createGraph: true });
      const [g2] = vm.grad([g1!.sum()], [x], { createGraph: true });
      const [g3] = vm.grad([g2!.sum()], [x]);
      expect(Array.from(g3!.dataSync())).toEqual([3, -9, 12]);
    });
  });

  it('second order through conv2d, pooling and softmax matches finite differences', () => {
    vm.tidy(() => {
      const x = rnd([2, 2, 6, 6], 50);
      const w = rnd([3, 2, 3, 3], 51).requiresGrad_();
      const pen = (w: Tensor): Tensor => {
        const xd = x.detach().requiresGrad_();
        const h = vm.maxPool2d(vm.conv2d(xd, w, { padding: 1 }).tanh(), 2);
        const a = vm.avgPool2d(h, 3).reshape([2, 3]).softmax().sum(0).mul(vm.tensor([1, 2, 3], undefined, { dtype: 'float64' })).sum();
        const [gx] = vm.grad([a], [xd], { createGraph: true });
        return vm.rowNorms(gx!, 2).sum();
      };
      const [gw] = vm.grad([pen(w)], [w]);
      const numeric = numericGrad(Float64Array.from(w.dataSync()), (v) => vm.tidy(() => pen(vm.tensor(v, w.shape, { dtype: 'float64' })).item()));
      expect(relError(gw!.dataSync(), numeric)).toBeLessThan(1e-5);
    });
  });
});
