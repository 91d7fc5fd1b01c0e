// Optimizer updates over f32 arrays.

import { at } from './simd';

/**
 * One Adam / AdamW step over n values (see Backend.adamStep), in f32 and in the order of the
 * optimizer's op-by-op form, so that both give identical results. The scalars arrive rounded to f32:
 * shrink = 1 - lr wd (AdamW), decay = wd (Adam), keep1 = 1 - beta1, keep2 = 1 - beta2,
 * sqrtBc2 = sqrt(1 - beta2^t), stepSize = lr / (1 - beta1^t). mode: 0 no decay, 1 Adam, 2 AdamW.
 */
export function adamStep(
  param: usize, grad: usize, m: usize, v: usize, outParam: usize, outM: usize, outV: usize, n: i32,
  mode: i32, shrink: f32, decay: f32, keep1: f32, beta2: f32, keep2: f32, sqrtBc2: f32, eps: f32, stepSize: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vShrink = f32x4.splat(shrink), vDecay = f32x4.splat(decay), vKeep1 = f32x4.splat(keep1);
    const vBeta2 = f32x4.splat(beta2), vKeep2 = f32x4.splat(keep2), vBc2 = f32x4.splat(sqrtBc2);
    const vEps = f32x4.splat(eps), vStep = f32x4.splat(stepSize);
    for (; i + 4 <= n; i += 4) {
      let w = v128.load(at(param, i));
      let g = v128.load(at(grad, i));
      if (mode == 2) w = f32x4.mul(w, vShrink);
      else if (mode == 1) g = f32x4.add(g, f32x4.mul(w, vDecay));
      const m0 = v128.load(at(m, i));
      const v0 = v128.load(at(v, i));
      const mi = f32x4.add(m0, f32x4.mul(f32x4.sub(g, m0), vKeep1));
      const vi = f32x4.add(f32x4.mul(v0, vBeta2), f32x4.mul(f32x4.mul(g, g), vKeep2));
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), vBc2), vEps);
      v128.store(at(outM, i), mi);
      v128.store(at(outV, i), vi);
      v128.store(at(outParam, i), f32x4.sub(w, f32x4.mul(f32x4.div(mi, denom), vStep)));
    }
  }
  for (; i < n; i++) {
    let w = load<f32>(at(param, i));
    let g = load<f32>(at(grad, i));
    if (mode == 2) w = w * shrink;
    else if (mode == 1) g = g + w * decay;
    const m0 = load<f32>(at(m, i));
    const v0 = load<f32>(at(v, i));
    const mi = m0 + (g - m0) * keep1;
    const vi = v0 * beta2 + (g * g) * keep2;
    const denom = Mathf.sqrt(vi) / sqrtBc2 + eps;
    store<f32>(at(outM, i), mi);
    store<f32>(at(outV, i), vi);
    store<f32>(at(outParam, i), w - (mi / denom) * stepSize);
  }
}
