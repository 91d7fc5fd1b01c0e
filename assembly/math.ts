// Special functions for float32 results, evaluated in f64 so that the final rounding to f32 is the
// only visible error (relative error of the f64 evaluation below about 5e-10). Scalar versions serve
// the scalar build and loop tails; f64x2 versions serve the SIMD builds.
//
// erfc(x) for x >= 0 is written t * exp(-x^2 + P(t)) with t = 1 / (1 + x / 2), one smooth function
// of t over the whole half line. P is our own degree-12 Chebyshev fit on t in [0.148, 1]
// (x in [0, 11.5]; beyond, exp(-x^2) makes every float32 result 0), expanded in the variable
// s = (t - 0.148) * 2 / (1 - 0.148) - 1: error of P below 1.7e-10. The degrees here (and exp's
// degree-8 Taylor polynomial, truncation below 2.1e-10) are the lowest that keep the evaluation
// error well below float32's half ulp (6e-8): more would cost time and buy nothing after rounding.

const T_MIN: f64 = 0.148;
const S_SCALE: f64 = 2.347417840375587;
const LOG2E: f64 = 1.4426950408889634;
// ln 2 split so that n * LN2_HI is exact for |n| < 2^11.
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const LN2: f64 = 0.6931471805599453;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

// ---- scalar ------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function erfcPoly(s: f64): f64 {
  let p: f64 = 6.554716806076669e-06;
  p = p * s - 7.707157498494741e-06;
  p = p * s - 4.56973407584418e-05;
  p = p * s + 9.291080459611429e-05;
  p = p * s + 0.00015800151421797442;
  p = p * s - 0.0006682555931620708;
  p = p * s - 0.00022497156256072622;
  p = p * s + 0.004184260789030327;
  p = p * s - 0.00159667606023866;
  p = p * s - 0.031376618512802296;
  p = p * s + 0.018524640553840774;
  p = p * s + 0.5823155583840974;
  return p * s - 0.5713620003819135;
}

/** erfc(x) for x >= 0 (NaN propagates). */
export function erfcPos(x: f64): f64 {
  const t = 1.0 / (1.0 + 0.5 * x);
  const s = (max<f64>(t, T_MIN) - T_MIN) * S_SCALE - 1.0;
  return t * Math.exp(max<f64>(-x * x + erfcPoly(s), -800));
}

/** erf(x). */
export function erf64(x: f64): f64 {
  const a = Math.abs(x);
  if (a < 1e-3) return TWO_OVER_SQRT_PI * x * (1.0 - x * x * (1.0 / 3.0));
  const r = 1.0 - erfcPos(a);
  return x < 0 ? -r : r;
}

/** GELU, exact form: 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu64(x: f64): f64 {
  const z = x * SQRT1_2;
  const c = z >= 0 ? 2.0 - erfcPos(z) : erfcPos(-z);
  return 0.5 * x * c;
}

/** The standard normal CDF: 0.5 (1 + erf(x / sqrt 2)), through erfc on both sides. */
export function normcdf64(x: f64): f64 {
  const z = x * SQRT1_2;
  return z >= 0 ? 1.0 - 0.5 * erfcPos(z) : 0.5 * erfcPos(-z);
}

/** Logistic sigmoid without overflow. */
export function sigmoid64(x: f64): f64 {
  return 1.0 / (1.0 + Math.exp(-x));
}

// ---- f64x2 -------------------------------------------------------------------------------------
// Polynomial coefficients live in tables and are read with v128.load64_splat (one instruction):
// V8 rebuilds a v128 constant from immediates with three instructions at every use.

// exp: Taylor coefficients 1/8! ... 1/0!, highest degree first.
const EXP_C = memory.data<f64>([
  2.48015873015873e-5, 1.984126984126984e-4, 1.388888888888889e-3, 8.333333333333333e-3,
  4.1666666666666664e-2, 1.6666666666666666e-1, 0.5, 1.0, 1.0,
]);
// erfc: P(s), highest degree first.
const ERFC_C = memory.data<f64>([
  6.554716806076669e-06,
  -7.707157498494741e-06,
  -4.56973407584418e-05,
  9.291080459611429e-05,
  0.00015800151421797442,
  -0.0006682555931620708,
  -0.00022497156256072622,
  0.004184260789030327,
  -0.00159667606023866,
  -0.031376618512802296,
  0.018524640553840774,
  0.5823155583840974,
  -0.5713620003819135,
]);
// erf(z) / z for |z| <= 1 as a polynomial in u = z^2 (our degree-7 Chebyshev fit, relative error
// below 3.8e-11), highest degree first: the common case of erf, GELU and the normal CDF without the
// division and exponential of the erfc form.
const ERF_SMALL_C = memory.data<f64>([
  -9.673590170065557e-06, 0.00011268253668881241, -0.0008484396519194106, 0.005221053410333501,
  -0.026865438309701183, 0.11283782622047146, -0.3761263847599014, 1.128379167062361,
]);
// exp(-u / 2) for u in [0, 2] (|x| <= sqrt 2 in the normal density), our degree-8 Chebyshev fit
// (relative error below 3.5e-11), highest degree first: no range reduction in the common case.
const NORMPDF_SMALL_C = memory.data<f64>([
  5.917075423112889e-08, -1.4209194634383468e-06, 2.1451854311171117e-05, -0.0002601305375563807,
  0.002603972155984706, -0.020833258664531826, 0.1249999855942575, -0.4999999989276418,
  0.9999999999868401,
]);
// log: 2 atanh series 1/19, 1/17, ..., 1/3, 1.
const LOG_C = memory.data<f64>([
  1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0, 1.0,
]);
// Other constants, by index below.
const K = memory.data<f64>([
  -200, 200, LOG2E, LN2_HI, LN2_LO, 0.5, 1.0, T_MIN, S_SCALE, -1.0, 2.0, SQRT1_2, 1e-3,
  TWO_OVER_SQRT_PI, -1.0 / 3.0, 2.0 / 15.0, 60, 1.4142135623730951, LN2, -0.5, INV_SQRT_2PI,
]);
const K_LO = 0, K_HI = 1, K_LOG2E = 2, K_LN2_HI = 3, K_LN2_LO = 4, K_HALF = 5, K_ONE = 6, K_TMIN = 7;
const K_SSCALE = 8, K_MINUS_ONE = 9, K_TWO = 10, K_SQRT1_2 = 11, K_SMALL = 12, K_2_SQRTPI = 13;
const K_MINUS_THIRD = 14, K_2_15 = 15, K_SIXTY = 16, K_SQRT2 = 17, K_LN2 = 18, K_MINUS_HALF = 19, K_INV_SQRT_2PI = 20;

// @ts-ignore: decorator
@inline function kv(i: i32): v128 {
  return v128.load64_splat(K + (<usize>i << 3));
}

/**
 * Polynomials by Estrin's scheme (coefficients at `t`, highest degree first): independent
 * multiply-adds in a tree instead of one serial Horner chain, so the latency of a chain of
 * dependent multiply-adds no longer bounds the throughput.
 */
// @ts-ignore: decorator
@inline function estrin9(t: usize, x: v128): v128 {
  const b0 = madd2(v128.load64_splat(t, 56), x, v128.load64_splat(t, 64));
  const b1 = madd2(v128.load64_splat(t, 40), x, v128.load64_splat(t, 48));
  const b2 = madd2(v128.load64_splat(t, 24), x, v128.load64_splat(t, 32));
  const b3 = madd2(v128.load64_splat(t, 8), x, v128.load64_splat(t, 16));
  const b4 = v128.load64_splat(t, 0);
  const x2 = f64x2.mul(x, x);
  const l1_0 = madd2(b1, x2, b0);
  const l1_1 = madd2(b3, x2, b2);
  const x4 = f64x2.mul(x2, x2);
  const l2_0 = madd2(l1_1, x4, l1_0);
  const x8 = f64x2.mul(x4, x4);
  return madd2(b4, x8, l2_0);
}

// @ts-ignore: decorator
@inline function estrin8(t: usize, x: v128): v128 {
  const b0 = madd2(v128.load64_splat(t, 48), x, v128.load64_splat(t, 56));
  const b1 = madd2(v128.load64_splat(t, 32), x, v128.load64_splat(t, 40));
  const b2 = madd2(v128.load64_splat(t, 16), x, v128.load64_splat(t, 24));
  const b3 = madd2(v128.load64_splat(t, 0), x, v128.load64_splat(t, 8));
  const x2 = f64x2.mul(x, x);
  const l1_0 = madd2(b1, x2, b0);
  const l1_1 = madd2(b3, x2, b2);
  const x4 = f64x2.mul(x2, x2);
  return madd2(l1_1, x4, l1_0);
}

// @ts-ignore: decorator
@inline function estrin13(t: usize, x: v128): v128 {
  const b0 = madd2(v128.load64_splat(t, 88), x, v128.load64_splat(t, 96));
  const b1 = madd2(v128.load64_splat(t, 72), x, v128.load64_splat(t, 80));
  const b2 = madd2(v128.load64_splat(t, 56), x, v128.load64_splat(t, 64));
  const b3 = madd2(v128.load64_splat(t, 40), x, v128.load64_splat(t, 48));
  const b4 = madd2(v128.load64_splat(t, 24), x, v128.load64_splat(t, 32));
  const b5 = madd2(v128.load64_splat(t, 8), x, v128.load64_splat(t, 16));
  const b6 = v128.load64_splat(t, 0);
  const x2 = f64x2.mul(x, x);
  const l1_0 = madd2(b1, x2, b0);
  const l1_1 = madd2(b3, x2, b2);
  const l1_2 = madd2(b5, x2, b4);
  const x4 = f64x2.mul(x2, x2);
  const l2_0 = madd2(l1_1, x4, l1_0);
  const l2_1 = madd2(b6, x4, l1_2);
  const x8 = f64x2.mul(x4, x4);
  return madd2(l2_1, x8, l2_0);
}

// @ts-ignore: decorator
@inline function estrin10(t: usize, x: v128): v128 {
  const b0 = madd2(v128.load64_splat(t, 64), x, v128.load64_splat(t, 72));
  const b1 = madd2(v128.load64_splat(t, 48), x, v128.load64_splat(t, 56));
  const b2 = madd2(v128.load64_splat(t, 32), x, v128.load64_splat(t, 40));
  const b3 = madd2(v128.load64_splat(t, 16), x, v128.load64_splat(t, 24));
  const b4 = madd2(v128.load64_splat(t, 0), x, v128.load64_splat(t, 8));
  const x2 = f64x2.mul(x, x);
  const l1_0 = madd2(b1, x2, b0);
  const l1_1 = madd2(b3, x2, b2);
  const l1_2 = b4;
  const x4 = f64x2.mul(x2, x2);
  const l2_0 = madd2(l1_1, x4, l1_0);
  const l2_1 = l1_2;
  const x8 = f64x2.mul(x4, x4);
  const l3_0 = madd2(l2_1, x8, l2_0);
  return l3_0;
}

// @ts-ignore: decorator
@inline function madd2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** exp of two f64 lanes, for arguments whose results matter in f32 (clamped to [-200, 200]). */
// @ts-ignore: decorator
@inline export function exp2v(xIn: v128): v128 {
  // pmax/pmin are single instructions and keep a NaN that comes as the first operand.
  const x = f64x2.pmin(f64x2.pmax(xIn, kv(K_LO)), kv(K_HI));
  const n = f64x2.nearest(f64x2.mul(x, kv(K_LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, kv(K_LN2_HI))), f64x2.mul(n, kv(K_LN2_LO)));
  // Taylor to degree 8 on |r| <= ln2 / 2: truncation below 2.1e-10.
  const p = estrin9(EXP_C, r);
  // 2^n from the exponent bits (|n| <= 289, so 2^n is a normal f64).
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const scale = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  return f64x2.mul(p, scale);
}

/** erfc of two non-negative f64 lanes. */
// @ts-ignore: decorator
@inline function erfcPos2(x: v128): v128 {
  const t = f64x2.div(kv(K_ONE), madd2(x, kv(K_HALF), kv(K_ONE)));
  const s = madd2(f64x2.sub(f64x2.pmax(t, kv(K_TMIN)), kv(K_TMIN)), kv(K_SSCALE), kv(K_MINUS_ONE));
  const p = estrin13(ERFC_C, s);
  return f64x2.mul(t, exp2v(f64x2.sub(p, f64x2.mul(x, x))));
}

/** erf of two f64 lanes with |z| <= 1 (or NaN). */
// @ts-ignore: decorator
@inline function erfSmall2(z: v128): v128 {
  return f64x2.mul(z, estrin8(ERF_SMALL_C, f64x2.mul(z, z)));
}

/** Whether both lanes lie in the range of erfSmall2 (NaN lanes do: they stay NaN there). */
// @ts-ignore: decorator
@inline function bothSmall(z: v128): bool {
  return !v128.any_true(f64x2.gt(f64x2.abs(z), kv(K_ONE)));
}

/** erf of two f64 lanes. */
// @ts-ignore: decorator
@inline function erf2(x: v128): v128 {
  if (bothSmall(x)) return erfSmall2(x);
  const a = f64x2.abs(x);
  const big = f64x2.sub(kv(K_ONE), erfcPos2(a));
  // Restore the sign of x (erf is odd); NaN keeps its payload through the or.
  const signed = v128.or(big, v128.and(x, i64x2.splat(0x8000000000000000)));
  const small = f64x2.mul(f64x2.mul(x, kv(K_2_SQRTPI)), madd2(f64x2.mul(x, x), kv(K_MINUS_THIRD), kv(K_ONE)));
  return v128.bitselect(small, signed, f64x2.lt(a, kv(K_SMALL)));
}

/** GELU of two f64 lanes. */
// @ts-ignore: decorator
@inline function gelu2(x: v128): v128 {
  const z = f64x2.mul(x, kv(K_SQRT1_2));
  if (bothSmall(z)) return f64x2.mul(f64x2.mul(x, kv(K_HALF)), f64x2.add(kv(K_ONE), erfSmall2(z)));
  const e = erfcPos2(f64x2.abs(z));
  const c = v128.bitselect(f64x2.sub(kv(K_TWO), e), e, f64x2.ge(z, f64x2.splat(0)));
  return f64x2.mul(f64x2.mul(x, kv(K_HALF)), c);
}

/** Standard normal CDF of two f64 lanes (GELU without the factor x). */
// @ts-ignore: decorator
@inline function normcdf2(x: v128): v128 {
  const z = f64x2.mul(x, kv(K_SQRT1_2));
  if (bothSmall(z)) return madd2(erfSmall2(z), kv(K_HALF), kv(K_HALF));
  const e = erfcPos2(f64x2.abs(z));
  const c = v128.bitselect(f64x2.sub(kv(K_TWO), e), e, f64x2.ge(z, f64x2.splat(0)));
  return f64x2.mul(c, kv(K_HALF));
}

/** Standard normal density of two f64 lanes. */
// @ts-ignore: decorator
@inline export function normpdf2(x: v128): v128 {
  const u = f64x2.mul(x, x);
  // NaN lanes take the polynomial too (and stay NaN).
  const e = v128.any_true(f64x2.gt(u, kv(K_TWO)))
    ? exp2v(f64x2.mul(u, kv(K_MINUS_HALF)))
    : estrin9(NORMPDF_SMALL_C, u);
  return f64x2.mul(e, kv(K_INV_SQRT_2PI));
}

/** Standard normal density of one f64. */
export function normpdf64(x: f64): f64 {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Sigmoid of two f64 lanes. */
// @ts-ignore: decorator
@inline function sigmoid2(x: v128): v128 {
  return f64x2.div(kv(K_ONE), f64x2.add(kv(K_ONE), exp2v(f64x2.neg(x))));
}

/** tanh of two f64 lanes. */
// @ts-ignore: decorator
@inline function tanh2(x: v128): v128 {
  const a = f64x2.abs(x);
  const e = exp2v(f64x2.pmin(f64x2.add(a, a), kv(K_SIXTY)));
  const big = f64x2.sub(kv(K_ONE), f64x2.div(kv(K_TWO), f64x2.add(e, kv(K_ONE))));
  const x2 = f64x2.mul(x, x);
  const small = f64x2.mul(x, madd2(x2, madd2(x2, kv(K_2_15), kv(K_MINUS_THIRD)), kv(K_ONE)));
  const signed = v128.or(big, v128.and(x, i64x2.splat(0x8000000000000000)));
  return v128.bitselect(small, signed, f64x2.lt(a, kv(K_SMALL)));
}

/** Natural log of two positive normal f64 lanes (special values are patched by the caller). */
// @ts-ignore: decorator
@inline function logPos2(x: v128): v128 {
  const bits = x;
  let e = i64x2.sub(i64x2.shr_u(bits, 52), i64x2.splat(1023));
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  // Bring m into [sqrt(1/2), sqrt(2)).
  const hi = f64x2.gt(m, kv(K_SQRT2));
  m = v128.bitselect(f64x2.mul(m, kv(K_HALF)), m, hi);
  e = i64x2.sub(e, hi); // hi lanes are all ones, i.e. -1
  const ef = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(e, e, 0, 2, 0, 2));
  const s = f64x2.div(f64x2.sub(m, kv(K_ONE)), f64x2.add(m, kv(K_ONE)));
  // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.1716: terms to s^19.
  const p = estrin10(LOG_C, f64x2.mul(s, s));
  return madd2(ef, kv(K_LN2), f64x2.mul(f64x2.add(s, s), p));
}

// ---- f32x4 through f64x2 -------------------------------------------------------------------------

export const F_EXP: i32 = 0;
export const F_SIGMOID: i32 = 1;
export const F_TANH: i32 = 2;
export const F_GELU: i32 = 3;
export const F_ERF: i32 = 4;
export const F_LOG: i32 = 5;
export const F_NORMCDF: i32 = 6;
export const F_NORMPDF: i32 = 7;

// @ts-ignore: decorator
@inline function apply2(f: i32, x: v128): v128 {
  if (f == F_EXP) return exp2v(x);
  if (f == F_SIGMOID) return sigmoid2(x);
  if (f == F_TANH) return tanh2(x);
  if (f == F_GELU) return gelu2(x);
  if (f == F_ERF) return erf2(x);
  if (f == F_NORMCDF) return normcdf2(x);
  if (f == F_NORMPDF) return normpdf2(x);
  return logPos2(x);
}

/** Applies function `f` to four f32 lanes, evaluating in f64 and rounding once. */
// @ts-ignore: decorator
@inline export function apply4(f: i32, v: v128): v128 {
  const lo = apply2(f, f64x2.promote_low_f32x4(v));
  const hi = apply2(f, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
  let r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
  if (f == F_LOG) {
    // log(0) = -inf, log(x < 0) = NaN, log(inf) = inf, NaN stays NaN.
    r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(v, f32x4.splat(0)));
    r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(v, f32x4.splat(Infinity)));
    r = v128.bitselect(f32x4.splat(NaN), r, v128.not(f32x4.ge(v, f32x4.splat(0))));
  }
  return r;
}

/** Scalar counterpart of `apply4` for one f32 value. */
// @ts-ignore: decorator
@inline export function apply1(f: i32, v: f32): f32 {
  const x = <f64>v;
  if (f == F_EXP) return <f32>Math.exp(x);
  if (f == F_SIGMOID) return <f32>sigmoid64(x);
  if (f == F_TANH) return <f32>Math.tanh(x);
  if (f == F_GELU) return <f32>gelu64(x);
  if (f == F_ERF) return <f32>erf64(x);
  if (f == F_NORMCDF) return <f32>normcdf64(x);
  if (f == F_NORMPDF) return <f32>normpdf64(x);
  return <f32>Math.log(x);
}
