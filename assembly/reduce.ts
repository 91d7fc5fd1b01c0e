// Reductions of an f32 tensor viewed as [outer, r, inner] over its middle axis (the caller
// collapses axes and chains passes for several reduced groups). Sums accumulate in f32 vectors
// over short blocks and in f64 across blocks; max and min propagate NaN.

import { at, hmax, hmin, hsum64 } from './simd';

const SUM = 0;
const MAX = 1;

/** Rows of a column-sum block accumulated in f32 before it is added into f64. */
const BLOCK: i32 = 64;

// @ts-ignore: decorator
@inline function rowReduce(op: i32, x: usize, n: i32): f32 {
  let i = 0;
  if (op == SUM) {
    let total: f64 = 0;
    if (ASC_FEATURE_SIMD) {
      while (i + 16 <= n) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        const end = min<i32>(n, i + 256) - 16;
        for (; i <= end; i += 16) {
          const p = at(x, i);
          s0 = f32x4.add(s0, v128.load(p));
          s1 = f32x4.add(s1, v128.load(p, 16));
          s2 = f32x4.add(s2, v128.load(p, 32));
          s3 = f32x4.add(s3, v128.load(p, 48));
        }
        total += hsum64(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
      }
    }
    for (; i < n; i++) total += <f64>load<f32>(at(x, i));
    return <f32>total;
  }
  let m: f32 = op == MAX ? -Infinity : Infinity;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let v = f32x4.splat(m);
      for (; i + 4 <= n; i += 4) {
        const y = v128.load(at(x, i));
        v = op == MAX ? f32x4.max(v, y) : f32x4.min(v, y);
      }
      m = op == MAX ? hmax(v) : hmin(v);
    }
  }
  for (; i < n; i++) {
    const y = load<f32>(at(x, i));
    m = op == MAX ? max<f32>(m, y) : min<f32>(m, y);
  }
  return m;
}

/** out[j] = reduce over i < r of x[i * inner + j], for j < inner. */
// @ts-ignore: decorator
@inline function colReduce(op: i32, x: usize, r: i32, inner: i32, out: usize): void {
  let j = 0;
  const stride = <usize>inner << 2;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= inner; j += 4) {
      const base = at(x, j);
      if (op == SUM) {
        let lo = f64x2.splat(0), hi = f64x2.splat(0);
        let i = 0;
        while (i < r) {
          const end = min<i32>(r, i + BLOCK);
          let s = f32x4.splat(0);
          for (; i < end; i++) s = f32x4.add(s, v128.load(base + <usize>i * stride));
          lo = f64x2.add(lo, f64x2.promote_low_f32x4(s));
          hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(s, s, 2, 3, 2, 3)));
        }
        v128.store(at(out, j), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      } else {
        let m = f32x4.splat(op == MAX ? -Infinity : Infinity);
        for (let i = 0; i < r; i++) {
          const y = v128.load(base + <usize>i * stride);
          m = op == MAX ? f32x4.max(m, y) : f32x4.min(m, y);
        }
        v128.store(at(out, j), m);
      }
    }
  }
  for (; j < inner; j++) {
    const base = at(x, j);
    if (op == SUM) {
      let s: f64 = 0;
      for (let i = 0; i < r; i++) s += <f64>load<f32>(base + <usize>i * stride);
      store<f32>(at(out, j), <f32>s);
    } else {
      let m: f32 = op == MAX ? -Infinity : Infinity;
      for (let i = 0; i < r; i++) {
        const y = load<f32>(base + <usize>i * stride);
        m = op == MAX ? max<f32>(m, y) : min<f32>(m, y);
      }
      store<f32>(at(out, j), m);
    }
  }
}

// @ts-ignore: decorator
@inline function reduceOp(op: i32, x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) store<f32>(at(out, o), rowReduce(op, at(x, o * r), r));
    return;
  }
  for (let o = 0; o < outer; o++) colReduce(op, at(x, o * r * inner), r, inner, at(out, o * inner));
}

/** Reduces x viewed as [outer, r, inner] over r: op 0 sum, 1 max, 2 min. */
export function reduce(op: i32, x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  if (op == SUM) reduceOp(0, x, out, outer, r, inner);
  else if (op == MAX) reduceOp(1, x, out, outer, r, inner);
  else reduceOp(2, x, out, outer, r, inner);
}
