// SIMD peak probes for bench/ (not part of the library): f32x4 arithmetic with no memory traffic.
// `peakSplit` runs 6 multiply chains and 6 add chains side by side (per chain pair and step: one
// f32x4 mul and one f32x4 add, 8 flops; unrolled twice), the best case for code without fused multiply-add. `peakFused`
// runs 10 chains of a * m + d (8 flops per step, unrolled twice): fused multiply-adds in the relaxed build,
// dependent multiply-then-add pairs in the plain SIMD build. Both return a value that depends on
// every chain so nothing is optimized away.

import { madd } from '../simd';

/** Flops of one iteration of `peakSplit`. */
export const SPLIT_FLOPS: i32 = 2 * 6 * 8;
/** Flops of one iteration of `peakFused`. */
export const FUSED_FLOPS: i32 = 2 * 10 * 8;

/** Six independent f32x4 multiply chains feeding six independent add chains. */
export function peakSplit(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.99999994);
  let p0 = f32x4.splat(seed), p1 = f32x4.splat(seed + 1), p2 = f32x4.splat(seed + 2);
  let p3 = f32x4.splat(seed + 3), p4 = f32x4.splat(seed + 4), p5 = f32x4.splat(seed + 5);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    // Unrolled twice so that loop overhead stays out of the way.
    p0 = f32x4.mul(p0, m); p1 = f32x4.mul(p1, m); p2 = f32x4.mul(p2, m);
    p3 = f32x4.mul(p3, m); p4 = f32x4.mul(p4, m); p5 = f32x4.mul(p5, m);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
    p0 = f32x4.mul(p0, m); p1 = f32x4.mul(p1, m); p2 = f32x4.mul(p2, m);
    p3 = f32x4.mul(p3, m); p4 = f32x4.mul(p4, m); p5 = f32x4.mul(p5, m);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** Ten independent chains a = a * m + d. */
export function peakFused(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.99999994);
  const d = f32x4.splat(1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, m, d); a1 = madd(a1, m, d); a2 = madd(a2, m, d); a3 = madd(a3, m, d); a4 = madd(a4, m, d);
    a5 = madd(a5, m, d); a6 = madd(a6, m, d); a7 = madd(a7, m, d); a8 = madd(a8, m, d); a9 = madd(a9, m, d);
    a0 = madd(a0, m, d); a1 = madd(a1, m, d); a2 = madd(a2, m, d); a3 = madd(a3, m, d); a4 = madd(a4, m, d);
    a5 = madd(a5, m, d); a6 = madd(a6, m, d); a7 = madd(a7, m, d); a8 = madd(a8, m, d); a9 = madd(a9, m, d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(a8, a9));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
