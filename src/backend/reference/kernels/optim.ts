import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import type { AdamParams } from '../../backend.js';

/**
 * One Adam / AdamW step (Backend.adamStep), operation by operation as the optimizer's tensor form
 * computes it, each result rounded to `dtype`: the fused step and the op-by-op step agree exactly.
 */
export function adamStep(
  param: TypedArray, grad: TypedArray, m: TypedArray, v: TypedArray, p: AdamParams, dtype: DType,
): { param: TypedArray; m: TypedArray; v: TypedArray } {
  const r = dtype === 'float32' ? Math.fround : (x: number): number => x;
  const n = param.length;
  const out = { param: allocArray(dtype, n), m: allocArray(dtype, n), v: allocArray(dtype, n) };
  const wd = p.weightDecay ?? 0;
  const shrink = r(1 - p.lr * wd);
  const decay = r(wd);
  const keep1 = r(1 - p.beta1);
  const beta2 = r(p.beta2);
  const keep2 = r(1 - p.beta2);
  const sqrtBc2 = r(Math.sqrt(1 - p.beta2 ** p.t));
  const eps = r(p.eps);
  const stepSize = r(p.lr / (1 - p.beta1 ** p.t));
  for (let i = 0; i < n; i++) {
    let w = param[i]!;
    let g = grad[i]!;
    if (wd !== 0) {
      if (p.decoupled) w = r(w * shrink);
      else g = r(g + r(param[i]! * decay));
    }
    const mi = r(m[i]! + r(r(g - m[i]!) * keep1));
    const vi = r(r(v[i]! * beta2) + r(r(g * g) * keep2));
    const denom = r(r(r(Math.sqrt(vi)) / sqrtBc2) + eps);
    out.m[i] = mi;
    out.v[i] = vi;
    out.param[i] = r(w - r(r(mi / denom) * stepSize));
  }
  return out;
}
