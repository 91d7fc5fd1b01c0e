// Small helpers shared by the kernels. Everything here is inlined; the `ASC_FEATURE_*` constants are
// compile-time, so a scalar build never sees a v128 instruction and a relaxed build uses fused
// multiply-add where the plain SIMD build uses a multiply and an add.

/** a * b + c, lane-wise (fused where relaxed SIMD is enabled). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four f32 lanes, in f64. */
// @ts-ignore: decorator
@inline export function hsum64(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1))
    + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

/** Byte offset of element `i` of a 4-byte array. */
// @ts-ignore: decorator
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Max of the four lanes; NaN if any lane is NaN. */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  const s = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.max(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/** Min of the four lanes; NaN if any lane is NaN. */
// @ts-ignore: decorator
@inline export function hmin(v: v128): f32 {
  const s = f32x4.min(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.min(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/** NaN-propagating scalar max (as wasm's f32.max). */
// @ts-ignore: decorator
@inline export function fmax(a: f32, b: f32): f32 {
  return max<f32>(a, b);
}

/** NaN-propagating scalar min (as wasm's f32.min). */
// @ts-ignore: decorator
@inline export function fmin(a: f32, b: f32): f32 {
  return min<f32>(a, b);
}
