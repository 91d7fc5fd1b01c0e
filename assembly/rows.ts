// Fused row kernels over [rows, cols] f32 matrices: softmax, logSoftmax, layerNorm and the
// gradient-norm probe rowNorms. Sums run in f64 (f64x2 in SIMD builds); results round once to f32.

import { exp2v } from './math';
import { at, hmax } from './simd';

/** Max of a row, NaN if any element is NaN (-inf for an empty row). */
// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let v = f32x4.splat(-Infinity);
      for (; i + 4 <= n; i += 4) v = f32x4.max(v, v128.load(at(x, i)));
      m = hmax(v);
    }
  }
  for (; i < n; i++) m = max<f32>(m, load<f32>(at(x, i)));
  return m;
}

// @ts-ignore: decorator
@inline function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

// @ts-ignore: decorator
@inline function join4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function sum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Writes exp(x - m) to `out` (if `write`) and returns its sum in f64, over one row of n values.
 */
// @ts-ignore: decorator
@inline function expSum(x: usize, out: usize, n: i32, m: f32, write: bool): f64 {
  let s: f64 = 0;
  let i = 0;
  const mf = <f64>m;
  if (ASC_FEATURE_SIMD) {
    const mv = f64x2.splat(mf);
    let acc = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      const e0 = exp2v(f64x2.sub(lo2(v), mv));
      const e1 = exp2v(f64x2.sub(hi2(v), mv));
      acc = f64x2.add(acc, f64x2.add(e0, e1));
      if (write) v128.store(at(out, i), join4(e0, e1));
    }
    s = sum2(acc);
  }
  for (; i < n; i++) {
    const e = Math.exp(<f64>load<f32>(at(x, i)) - mf);
    s += e;
    if (write) store<f32>(at(out, i), <f32>e);
  }
  return s;
}

/** Softmax of each row, max-subtracted. */
export function softmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(out, r * cols);
    const m = rowMax(xr, cols);
    const s = expSum(xr, yr, cols, m, true);
    const inv = 1.0 / s;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const iv = f64x2.splat(inv);
      for (; i + 4 <= cols; i += 4) {
        const v = v128.load(at(yr, i));
        v128.store(at(yr, i), join4(f64x2.mul(lo2(v), iv), f64x2.mul(hi2(v), iv)));
      }
    }
    for (; i < cols; i++) store<f32>(at(yr, i), <f32>(<f64>load<f32>(at(yr, i)) * inv));
  }
}

/** log-softmax of each row: x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(out, r * cols);
    const m = rowMax(xr, cols);
    const lse = <f64>m + Math.log(expSum(xr, yr, cols, m, false));
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const lv = f64x2.splat(lse);
      for (; i + 4 <= cols; i += 4) {
        const v = v128.load(at(xr, i));
        v128.store(at(yr, i), join4(f64x2.sub(lo2(v), lv), f64x2.sub(hi2(v), lv)));
      }
    }
    for (; i < cols; i++) store<f32>(at(yr, i), <f32>(<f64>load<f32>(at(xr, i)) - lse));
  }
}

/** Sum over a row in f64: of x (p = 0), |x| (p = 1) or x^2 (p = 2), after subtracting `shift`. */
// @ts-ignore: decorator
@inline function rowSum(x: usize, n: i32, p: i32, shift: f64): f64 {
  let s: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sh = f64x2.splat(shift);
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      let l = f64x2.sub(lo2(v), sh);
      let h = f64x2.sub(hi2(v), sh);
      if (p == 1) {
        l = f64x2.abs(l);
        h = f64x2.abs(h);
      } else if (p == 2) {
        l = f64x2.mul(l, l);
        h = f64x2.mul(h, h);
      }
      a0 = f64x2.add(a0, l);
      a1 = f64x2.add(a1, h);
    }
    s = sum2(f64x2.add(a0, a1));
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(at(x, i)) - shift;
    s += p == 1 ? Math.abs(v) : p == 2 ? v * v : v;
  }
  return s;
}

/** (x - mean) / sqrt(var + eps) * gamma + beta per row (biased variance, two passes in f64). */
export function layerNorm(x: usize, gamma: usize, beta: usize, out: usize, rows: i32, cols: i32, eps: f64): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(out, r * cols);
    const mean = rowSum(xr, cols, 0, 0) / <f64>cols;
    const rstd = 1.0 / Math.sqrt(rowSum(xr, cols, 2, mean) / <f64>cols + eps);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f64x2.splat(mean);
      const rv = f64x2.splat(rstd);
      for (; i + 4 <= cols; i += 4) {
        const v = v128.load(at(xr, i));
        const g = v128.load(at(gamma, i));
        const b = v128.load(at(beta, i));
        const l = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(lo2(v), mv), rv), lo2(g)), lo2(b));
        const h = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(hi2(v), mv), rv), hi2(g)), hi2(b));
        v128.store(at(yr, i), join4(l, h));
      }
    }
    for (; i < cols; i++) {
      const v = (<f64>load<f32>(at(xr, i)) - mean) * rstd * <f64>load<f32>(at(gamma, i)) + <f64>load<f32>(at(beta, i));
      store<f32>(at(yr, i), <f32>v);
    }
  }
}

/**
 * layerNorm's backward pass per row, in f64: dx = rstd (g gamma - mean(g gamma) - xhat mean(g gamma
 * xhat)) and gxhat = g xhat (summed over rows, d gamma), with xhat = (x - mean) rstd.
 */
export function layerNormBackward(x: usize, gamma: usize, g: usize, dx: usize, gxhat: usize, rows: i32, cols: i32, eps: f64): void {
  const n = <f64>cols;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const xr = at(x, off);
    const gr = at(g, off);
    const mean = rowSum(xr, cols, 0, 0) / n;
    const rstd = 1.0 / Math.sqrt(rowSum(xr, cols, 2, mean) / n + eps);
    // m1 = mean(g gamma), m2 = mean(g gamma (x - mean)) * rstd.
    let m1: f64 = 0, m2: f64 = 0;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f64x2.splat(mean);
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
      for (; i + 4 <= cols; i += 4) {
        const d = f32x4.mul(v128.load(at(gr, i)), v128.load(at(gamma, i)));
        const v = v128.load(at(xr, i));
        const dl = lo2(d), dh = hi2(d);
        a0 = f64x2.add(a0, dl);
        a1 = f64x2.add(a1, dh);
        b0 = f64x2.add(b0, f64x2.mul(dl, f64x2.sub(lo2(v), mv)));
        b1 = f64x2.add(b1, f64x2.mul(dh, f64x2.sub(hi2(v), mv)));
      }
      m1 = sum2(f64x2.add(a0, a1));
      m2 = sum2(f64x2.add(b0, b1));
    }
    for (; i < cols; i++) {
      const d = <f64>(load<f32>(at(gr, i)) * load<f32>(at(gamma, i)));
      m1 += d;
      m2 += d * (<f64>load<f32>(at(xr, i)) - mean);
    }
    m1 /= n;
    m2 = m2 * rstd / n;
    const dr = at(dx, off);
    const hr = at(gxhat, off);
    i = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f64x2.splat(mean), rv = f64x2.splat(rstd), m1v = f64x2.splat(m1), m2v = f64x2.splat(m2);
      for (; i + 4 <= cols; i += 4) {
        const gv = v128.load(at(gr, i));
        const d = f32x4.mul(gv, v128.load(at(gamma, i)));
        const v = v128.load(at(xr, i));
        const xl = f64x2.mul(f64x2.sub(lo2(v), mv), rv);
        const xh = f64x2.mul(f64x2.sub(hi2(v), mv), rv);
        const l = f64x2.mul(rv, f64x2.sub(f64x2.sub(lo2(d), m1v), f64x2.mul(xl, m2v)));
        const h = f64x2.mul(rv, f64x2.sub(f64x2.sub(hi2(d), m1v), f64x2.mul(xh, m2v)));
        v128.store(at(dr, i), join4(l, h));
        v128.store(at(hr, i), join4(f64x2.mul(lo2(gv), xl), f64x2.mul(hi2(gv), xh)));
      }
    }
    for (; i < cols; i++) {
      const gv = <f64>load<f32>(at(gr, i));
      const d = <f64>(load<f32>(at(gr, i)) * load<f32>(at(gamma, i)));
      const xhat = (<f64>load<f32>(at(xr, i)) - mean) * rstd;
      store<f32>(at(dr, i), <f32>(rstd * (d - m1 - xhat * m2)));
      store<f32>(at(hr, i), <f32>(gv * xhat));
    }
  }
}

/** Per-row Lp norm: p = 1, 2, or 0 for the max norm (NaN if the row has a NaN). */
export function rowNorms(x: usize, out: usize, rows: i32, cols: i32, p: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    let v: f64;
    if (p == 1) v = rowSum(xr, cols, 1, 0);
    else if (p == 2) v = Math.sqrt(rowSum(xr, cols, 2, 0));
    else {
      let m: f32 = 0;
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        if (cols >= 4) {
          let mv = f32x4.splat(0);
          for (; i + 4 <= cols; i += 4) mv = f32x4.max(mv, f32x4.abs(v128.load(at(xr, i))));
          m = hmax(mv);
        }
      }
      for (; i < cols; i++) m = max<f32>(m, Mathf.abs(load<f32>(at(xr, i))));
      v = <f64>m;
    }
    store<f32>(at(out, r), <f32>v);
  }
}
