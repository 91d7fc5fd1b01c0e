import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { Module } from '../../src/nn/index.js';
import { relError } from '../helpers/gradcheck.js';

/**
 * Checks the gradients a module's parameters get from `loss(module)` against central finite
 * differences (float64 parameters on 'reference'). Returns the worst norm-wise relative error.
 */
export function paramGradCheck(module: Module, loss: () => Tensor, h = 1e-6): number {
  module.zeroGrad();
  vm.tidy(() => loss().backward());
  let worst = 0;
  for (const [, p] of module.namedParameters()) {
    const analytic = Float64Array.from(p.grad!.dataSync());
    const base = Float64Array.from(p.value.dataSync());
    const numeric = new Float64Array(base.length);
    const at = (v: Float64Array): number => {
      p.replace(vm.tensor(v, [...p.shape], { dtype: 'float64', backend: 'reference' }));
      return vm.tidy(() => vm.noGrad(() => loss().item()));
    };
    for (let j = 0; j < base.length; j++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[j] += h;
      minus[j] -= h;
      numeric[j] = (at(plus) - at(minus)) / (2 * h);
    }
    p.replace(vm.tensor(base, [...p.shape], { dtype: 'float64', backend: 'reference' }));
    worst = Math.max(worst, relError(analytic, numeric));
  }
  module.zeroGrad();
  return worst;
}

/** A float64 reference tensor of seeded normals. */
export function f64(shape: number[], seed: number, scale = 1): Tensor {
  const rng = new vm.Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return vm.tensor(Float64Array.from({ length: n }, () => scale * rng.normal()), shape, { dtype: 'float64', backend: 'reference' });
}

export const REF64 = { dtype: 'float64', backend: 'reference' } as const;
