// Elementwise kernels over f32: unary ops, broadcasting binary ops (strided walk with contiguous
// and scalar fast paths for the innermost axis), clip and casts.

import { apply1, apply4, F_ERF, F_EXP, F_GELU, F_LOG, F_NORMCDF, F_NORMPDF, F_SIGMOID, F_TANH, normpdf2, normpdf64 } from './math';
import { at } from './simd';

// Unary op codes (mirrored in src/backend/wasm/op-codes.ts).
const NEG = 0, ABS = 1, SIGN = 2, EXP = 3, LOG = 4, LOG1P = 5, SQRT = 6, RSQRT = 7, SQUARE = 8;
const RECIPROCAL = 9, TANH = 10, SIGMOID = 11, RELU = 12, GELU = 13, ERF = 14, SIN = 15, COS = 16;
const FLOOR = 17, ISNAN = 18, NORMCDF = 19, NORMPDF = 20;

/** Whether unary op `op` has a vector form. */
// @ts-ignore: decorator
@inline function unaryHasVec(op: i32): bool {
  return op != LOG1P && op != SIN && op != COS;
}

/** Maps an op code onto the math.ts function family for transcendental ops, or -1. */
// @ts-ignore: decorator
@inline function family(op: i32): i32 {
  if (op == EXP) return F_EXP;
  if (op == LOG) return F_LOG;
  if (op == TANH) return F_TANH;
  if (op == SIGMOID) return F_SIGMOID;
  if (op == GELU) return F_GELU;
  if (op == ERF) return F_ERF;
  if (op == NORMCDF) return F_NORMCDF;
  if (op == NORMPDF) return F_NORMPDF;
  return -1;
}

// @ts-ignore: decorator
@inline function unaryVec(op: i32, v: v128): v128 {
  const one = f32x4.splat(1);
  if (op == NEG) return f32x4.neg(v);
  if (op == ABS) return f32x4.abs(v);
  if (op == SIGN) {
    const pos = v128.and(f32x4.gt(v, f32x4.splat(0)), one);
    const neg = v128.and(f32x4.lt(v, f32x4.splat(0)), f32x4.splat(-1));
    return v128.bitselect(v, v128.or(pos, neg), f32x4.ne(v, v));
  }
  if (op == SQRT) return f32x4.sqrt(v);
  if (op == RSQRT) return f32x4.div(one, f32x4.sqrt(v));
  if (op == SQUARE) return f32x4.mul(v, v);
  if (op == RECIPROCAL) return f32x4.div(one, v);
  if (op == RELU) return f32x4.max(v, f32x4.splat(0));
  if (op == FLOOR) return f32x4.floor(v);
  if (op == ISNAN) return v128.and(f32x4.ne(v, v), one);
  return apply4(family(op), v);
}

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32): f32 {
  if (op == NEG) return -x;
  if (op == ABS) return Mathf.abs(x);
  if (op == SIGN) return x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x;
  if (op == SQRT) return Mathf.sqrt(x);
  if (op == RSQRT) return <f32>(1.0 / Math.sqrt(<f64>x));
  if (op == SQUARE) return x * x;
  if (op == RECIPROCAL) return <f32>1.0 / x;
  if (op == RELU) return max<f32>(x, 0);
  if (op == FLOOR) return Mathf.floor(x);
  if (op == ISNAN) return x != x ? 1 : 0;
  if (op == LOG1P) return <f32>Math.log1p(<f64>x);
  if (op == SIN) return <f32>Math.sin(<f64>x);
  if (op == COS) return <f32>Math.cos(<f64>x);
  return apply1(family(op), x);
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && unaryHasVec(op)) {
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), unaryVec(op, v128.load(at(x, i))));
  }
  for (; i < n; i++) store<f32>(at(out, i), unaryScalar(op, load<f32>(at(x, i))));
}

/** out[i] = op(x[i]) for i < n. */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case NEG: unaryLoop(NEG, x, out, n); break;
    case ABS: unaryLoop(ABS, x, out, n); break;
    case SIGN: unaryLoop(SIGN, x, out, n); break;
    case EXP: unaryLoop(EXP, x, out, n); break;
    case LOG: unaryLoop(LOG, x, out, n); break;
    case LOG1P: unaryLoop(LOG1P, x, out, n); break;
    case SQRT: unaryLoop(SQRT, x, out, n); break;
    case RSQRT: unaryLoop(RSQRT, x, out, n); break;
    case SQUARE: unaryLoop(SQUARE, x, out, n); break;
    case RECIPROCAL: unaryLoop(RECIPROCAL, x, out, n); break;
    case TANH: unaryLoop(TANH, x, out, n); break;
    case SIGMOID: unaryLoop(SIGMOID, x, out, n); break;
    case RELU: unaryLoop(RELU, x, out, n); break;
    case GELU: unaryLoop(GELU, x, out, n); break;
    case ERF: unaryLoop(ERF, x, out, n); break;
    case SIN: unaryLoop(SIN, x, out, n); break;
    case COS: unaryLoop(COS, x, out, n); break;
    case FLOOR: unaryLoop(FLOOR, x, out, n); break;
    case ISNAN: unaryLoop(ISNAN, x, out, n); break;
    case NORMCDF: unaryLoop(NORMCDF, x, out, n); break;
    case NORMPDF: unaryLoop(NORMPDF, x, out, n); break;
    default: break;
  }
}

/** out[i] = g[i] * (cdf[i] + x[i] phi(x[i])) for i < n (GELU's gradient), evaluated in f64. */
export function geluBackward(g: usize, x: usize, cdf: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const gv = v128.load(at(g, i));
      const xv = v128.load(at(x, i));
      const cv = v128.load(at(cdf, i));
      const xl = f64x2.promote_low_f32x4(xv);
      const xh = f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 2, 3));
      const gl = f64x2.promote_low_f32x4(gv);
      const gh = f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 2, 3));
      const cl = f64x2.promote_low_f32x4(cv);
      const ch = f64x2.promote_low_f32x4(v128.shuffle<f32>(cv, cv, 2, 3, 2, 3));
      const l = f64x2.mul(gl, f64x2.add(cl, f64x2.mul(xl, normpdf2(xl))));
      const h = f64x2.mul(gh, f64x2.add(ch, f64x2.mul(xh, normpdf2(xh))));
      v128.store(at(out, i), v128.shuffle<f32>(f32x4.demote_f64x2_zero(l), f32x4.demote_f64x2_zero(h), 0, 1, 4, 5));
    }
  }
  for (; i < n; i++) {
    const xv = <f64>load<f32>(at(x, i));
    store<f32>(at(out, i), <f32>(<f64>load<f32>(at(g, i)) * (<f64>load<f32>(at(cdf, i)) + xv * normpdf64(xv))));
  }
}

// Binary op codes (mirrored in src/backend/wasm/op-codes.ts).
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAXIMUM = 5, MINIMUM = 6;
const EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12;

// @ts-ignore: decorator
@inline function binVec(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAXIMUM) return f32x4.max(a, b);
  if (op == MINIMUM) return f32x4.min(a, b);
  if (op == EQ) return v128.and(f32x4.eq(a, b), one);
  if (op == NE) return v128.and(f32x4.ne(a, b), one);
  if (op == LT) return v128.and(f32x4.lt(a, b), one);
  if (op == LE) return v128.and(f32x4.le(a, b), one);
  if (op == GT) return v128.and(f32x4.gt(a, b), one);
  return v128.and(f32x4.ge(a, b), one);
}

// @ts-ignore: decorator
@inline function binScalar(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (op == POW) return <f32>Math.pow(<f64>a, <f64>b);
  if (op == MAXIMUM) return max<f32>(a, b);
  if (op == MINIMUM) return min<f32>(a, b);
  if (op == EQ) return a == b ? 1 : 0;
  if (op == NE) return a != b ? 1 : 0;
  if (op == LT) return a < b ? 1 : 0;
  if (op == LE) return a <= b ? 1 : 0;
  if (op == GT) return a > b ? 1 : 0;
  return a >= b ? 1 : 0;
}

/** One innermost row: out[i] = op(a[i * sa], b[i * sb]), i < n, with fast paths for strides 0/1. */
// @ts-ignore: decorator
@inline function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    if (ASC_FEATURE_SIMD && op != POW) {
      for (; i + 4 <= n; i += 4) v128.store(at(out, i), binVec(op, v128.load(at(a, i)), v128.load(at(b, i))));
    }
    for (; i < n; i++) store<f32>(at(out, i), binScalar(op, load<f32>(at(a, i)), load<f32>(at(b, i))));
  } else if (sa == 0 && sb == 1) {
    const s = load<f32>(a);
    if (ASC_FEATURE_SIMD && op != POW) {
      const sv = f32x4.splat(s);
      for (; i + 4 <= n; i += 4) v128.store(at(out, i), binVec(op, sv, v128.load(at(b, i))));
    }
    for (; i < n; i++) store<f32>(at(out, i), binScalar(op, s, load<f32>(at(b, i))));
  } else if (sa == 1 && sb == 0) {
    const s = load<f32>(b);
    if (ASC_FEATURE_SIMD && op != POW) {
      const sv = f32x4.splat(s);
      for (; i + 4 <= n; i += 4) v128.store(at(out, i), binVec(op, v128.load(at(a, i)), sv));
    }
    for (; i < n; i++) store<f32>(at(out, i), binScalar(op, load<f32>(at(a, i)), s));
  } else {
    for (; i < n; i++) store<f32>(at(out, i), binScalar(op, load<f32>(at(a, i * sa)), load<f32>(at(b, i * sb))));
  }
}

/**
 * Broadcasting binary op over an output of `rank` axes (rank >= 1), already collapsed by the
 * caller. `meta` holds i32 [shape(rank), stridesA(rank), stridesB(rank), scratch(rank)].
 */
// @ts-ignore: decorator
@inline function binWalk(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize): void {
  const shape = meta;
  const sA = meta + (<usize>rank << 2);
  const sB = meta + (<usize>rank << 3);
  const idx = meta + (<usize>(rank * 3) << 2);
  const last = rank - 1;
  const n = load<i32>(at(shape, last));
  const ia = load<i32>(at(sA, last));
  const ib = load<i32>(at(sB, last));
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(at(shape, d));
    store<i32>(at(idx, d), 0);
  }
  let oa = 0;
  let ob = 0;
  let o = out;
  for (let r = 0; r < rows; r++) {
    binRow(op, at(a, oa), ia, at(b, ob), ib, o, n);
    o += <usize>n << 2;
    for (let d = last - 1; d >= 0; d--) {
      const v = load<i32>(at(idx, d)) + 1;
      const dim = load<i32>(at(shape, d));
      oa += load<i32>(at(sA, d));
      ob += load<i32>(at(sB, d));
      if (v < dim) {
        store<i32>(at(idx, d), v);
        break;
      }
      store<i32>(at(idx, d), 0);
      oa -= load<i32>(at(sA, d)) * dim;
      ob -= load<i32>(at(sB, d)) * dim;
    }
  }
}

/** Broadcasting binary op; see `binWalk` for the layout of `meta`. */
export function binary(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize): void {
  switch (op) {
    case ADD: binWalk(ADD, a, b, out, rank, meta); break;
    case SUB: binWalk(SUB, a, b, out, rank, meta); break;
    case MUL: binWalk(MUL, a, b, out, rank, meta); break;
    case DIV: binWalk(DIV, a, b, out, rank, meta); break;
    case POW: binWalk(POW, a, b, out, rank, meta); break;
    case MAXIMUM: binWalk(MAXIMUM, a, b, out, rank, meta); break;
    case MINIMUM: binWalk(MINIMUM, a, b, out, rank, meta); break;
    case EQ: binWalk(EQ, a, b, out, rank, meta); break;
    case NE: binWalk(NE, a, b, out, rank, meta); break;
    case LT: binWalk(LT, a, b, out, rank, meta); break;
    case LE: binWalk(LE, a, b, out, rank, meta); break;
    case GT: binWalk(GT, a, b, out, rank, meta); break;
    case GE: binWalk(GE, a, b, out, rank, meta); break;
    default: break;
  }
}

/** out = x < lo ? lo : x > hi ? hi : x (NaN passes through). */
export function clip(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const l = f32x4.splat(lo);
    const h = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      const r = v128.bitselect(h, v, f32x4.gt(v, h));
      v128.store(at(out, i), v128.bitselect(l, r, f32x4.lt(v, l)));
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), v < lo ? lo : v > hi ? hi : v);
  }
}

/** JavaScript's ToInt32 of an f32: truncate, wrap modulo 2^32; NaN and infinities give 0. */
// @ts-ignore: decorator
@inline function toInt32(v: f32): i32 {
  const a = Mathf.abs(v);
  if (a < 2147483648.0) return <i32>v;
  if (a < 9.2e18) return <i32><i64>v;
  // |v| >= 2^63 is a multiple of 2^40 (or not finite): its low 32 bits are zero.
  return 0;
}

/** int32 <- float32 with JavaScript's conversion (as an Int32Array store does). */
export function castF32ToI32(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lim = f32x4.splat(2147483648.0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      if (!v128.any_true(v128.not(f32x4.lt(f32x4.abs(v), lim)))) {
        v128.store(at(out, i), i32x4.trunc_sat_f32x4_s(v));
      } else {
        for (let j = 0; j < 4; j++) store<i32>(at(out, i + j), toInt32(load<f32>(at(x, i + j))));
      }
    }
  }
  for (; i < n; i++) store<i32>(at(out, i), toInt32(load<f32>(at(x, i))));
}

/** float32 <- int32, rounding to nearest. */
export function castI32ToF32(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.convert_i32x4_s(v128.load(at(x, i))));
  }
  for (; i < n; i++) store<f32>(at(out, i), <f32>load<i32>(at(x, i)));
}
