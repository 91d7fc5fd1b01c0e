/**
 * Reference semantics (float64, plain loops) of the fused update kernels that the WebGPU backend
 * offers beyond the kernel contract: the attack step with projection and the Adam/AdamW update.
 * The WebGPU kernels are tested against these. (Adam is now part of the kernel contract too:
 * `Backend.adamStep`.)
 */

import type { AdamParams } from '../backend.js';

export type { AdamParams };

/** Options of one fused attack step on perturbations laid out as [rows, cols]. */
export interface AttackStepParams {
  rows: number;
  cols: number;
  /** 'linf': delta + step * sign(grad), then clip to [-eps, eps]. 'l2': delta + step * grad / ||grad||, then radial projection onto the ball of radius eps. */
  norm: 'linf' | 'l2';
  /** Step size (alpha). */
  step: number;
  /** Budget of every row, unless `epsRows` is given. */
  eps: number;
  /** Value range of x + delta: when given with `x`, x + delta is clipped to [lo, hi]. */
  lo?: number;
  hi?: number;
}


/** The L2 norm of row r. */
function rowNorm(v: ArrayLike<number>, r: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += v[r * cols + j] ** 2;
  return Math.sqrt(s);
}

/**
 * One attack step: returns the new perturbation. `epsRows` gives per-row budgets (relative
 * budgets: eps times each row's latent norm); `x` is the clean input for the value clip.
 *
 * @example
 * attackStepReference(delta, grad, { rows: 2, cols: 3, norm: 'l2', step: 0.1, eps: 0.5 });
 */
export function attackStepReference(
  delta: ArrayLike<number>, grad: ArrayLike<number>, p: AttackStepParams,
  epsRows?: ArrayLike<number>, x?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(p.rows * p.cols);
  for (let r = 0; r < p.rows; r++) {
    const eps = epsRows ? epsRows[r] : p.eps;
    const base = r * p.cols;
    if (p.norm === 'linf') {
      for (let j = 0; j < p.cols; j++) {
        const g = grad[base + j];
        const s = Number.isNaN(g) ? NaN : Math.sign(g);
        out[base + j] = Math.min(Math.max(delta[base + j] + p.step * s, -eps), eps);
      }
    } else {
      const gn = rowNorm(grad, r, p.cols);
      const scale = gn > 0 ? p.step / gn : 0;
      for (let j = 0; j < p.cols; j++) out[base + j] = delta[base + j] + scale * grad[base + j];
      const dn = rowNorm(out, r, p.cols);
      if (dn > eps) for (let j = 0; j < p.cols; j++) out[base + j] *= eps / dn;
    }
    if (x && (p.lo !== undefined || p.hi !== undefined)) {
      const lo = p.lo ?? -Infinity;
      const hi = p.hi ?? Infinity;
      for (let j = 0; j < p.cols; j++) {
        const xv = x[base + j];
        out[base + j] = Math.min(Math.max(xv + out[base + j], lo), hi) - xv;
      }
    }
  }
  return out;
}

/**
 * One Adam (or AdamW) step, as PyTorch defines it. Returns the new parameter and moments.
 *
 * @example
 * adamReference(w, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 });
 */
export function adamReference(
  param: ArrayLike<number>, grad: ArrayLike<number>, m: ArrayLike<number>, v: ArrayLike<number>, p: AdamParams,
): { param: Float64Array; m: Float64Array; v: Float64Array } {
  const n = param.length;
  const out = { param: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  const wd = p.weightDecay ?? 0;
  const bias1 = 1 - p.beta1 ** p.t;
  const bias2 = 1 - p.beta2 ** p.t;
  for (let i = 0; i < n; i++) {
    let w = param[i];
    let g = grad[i];
    if (p.decoupled) w *= 1 - p.lr * wd;
    else g += wd * w;
    const mi = p.beta1 * m[i] + (1 - p.beta1) * g;
    const vi = p.beta2 * v[i] + (1 - p.beta2) * g * g;
    out.m[i] = mi;
    out.v[i] = vi;
    out.param[i] = w - (p.lr * (mi / bias1)) / (Math.sqrt(vi / bias2) + p.eps);
  }
  return out;
}
