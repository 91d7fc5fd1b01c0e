import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

/** Norm-wise relative error ||a - b|| / ||b|| (absolute when b is zero); NaN anywhere gives Infinity. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (Object.is(a[i], b[i]) && !Number.isNaN(a[i])) continue;
      return Infinity;
    }
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** A float64 tensor on the reference backend with seeded normal values. */
export function rnd(shape: number[], seed: number, transform: (v: number) => number = (v) => v): Tensor {
  const rng = new vm.Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float64Array.from({ length: n }, () => transform(rng.normal()));
  return vm.tensor(values, shape, { dtype: 'float64', backend: 'reference' });
}

/** Moves values away from 0 (kinks of relu, abs, sign) by at least `gap`. */
export const awayFromZero = (gap = 0.1) => (v: number): number => (v >= 0 ? v + gap : v - gap);

/**
 * Compares the tape gradient of L(xs) = sum(f(xs) * R) (R fixed random weights) with central
 * finite differences, in float64. Returns the worst norm-wise relative error over the inputs.
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], h = 1e-5): number {
  return vm.tidy(() => {
    const leaves = inputs.map((x) => x.detach().requiresGrad_());
    const y0 = f(...leaves);
    const weights = rnd([...y0.shape], 12345);
    const loss = (xs: Tensor[]): Tensor => vm.mul(f(...xs), weights).sum();
    const analytic = vm.grad([loss(leaves)], leaves);
    let worst = 0;
    leaves.forEach((leaf, i) => {
      const base = Float64Array.from(leaf.dataSync());
      const numeric = new Float64Array(base.length);
      for (let j = 0; j < base.length; j++) {
        const at = (delta: number): number => vm.tidy(() => {
          const v = base.slice();
          v[j] += delta;
          const xs = leaves.map((l, k) => (k === i ? vm.tensor(v, leaf.shape, { dtype: 'float64' }) : l.detach()));
          return vm.noGrad(() => loss(xs)).item();
        });
        numeric[j] = (at(h) - at(-h)) / (2 * h);
      }
      worst = Math.max(worst, relError(analytic[i]!.dataSync(), numeric));
    });
    return worst;
  });
}
