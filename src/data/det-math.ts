/**
 * Deterministic elementary functions for the data layer.
 *
 * JavaScript leaves the precision of `Math.log`, `Math.exp`, `Math.sin` and `Math.cos` to each engine,
 * so two runtimes may disagree in the last bit. The dataset builders use these functions instead:
 * they are written with `+ - * /` and bit manipulation only, which IEEE 754 defines exactly, so the same
 * inputs give bit-identical outputs on Node, Deno and every browser. Accuracy is within a few units in
 * the last place, which is all that spectrograms and filter banks need.
 */

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LN2 = 0.6931471805599453;
const LN10 = 2.302585092994046;
const SQRT2 = 1.4142135623730951;
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;
const TWO_OVER_PI = 0.6366197723675814;

const scratch = new DataView(new ArrayBuffer(8));
// A float64 aliased as two uint32 words; HI indexes the word holding sign and exponent on this
// platform's byte order (the result does not depend on the byte order).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1;
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
/** 1/3, 1/5, ..., 1/25: the atanh series coefficients used by detLog. */
const LOG_COEFFS = Array.from({ length: 12 }, (_, k) => 1 / (2 * k + 3));

/** 2^k for an integer k in [-1022, 1023], built from its bits (exact on every engine). */
function pow2(k: number): number {
  scratch.setUint32(0, (k + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/**
 * Natural logarithm, bit-identical on every platform.
 *
 * @example
 * detLog(Math.E); // 1 (within an ulp)
 */
export function detLog(x: number): number {
  if (!(x > 0) || x === Infinity) return x === 0 ? -Infinity : x === Infinity ? Infinity : NaN;
  f64[0] = x;
  let hi = u32[HI];
  let e = (hi >>> 20) & 0x7ff;
  if (e === 0) return detLog(x * 18014398509481984) - 54 * LN2; // subnormal: scale by 2^54
  e -= 1023;
  // Replace the exponent so that m lies in [1, 2).
  u32[HI] = (hi & 0x800fffff) | (1023 << 20);
  let m = f64[0];
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716.
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let p = LOG_COEFFS[11];
  for (let k = 10; k >= 0; k--) p = LOG_COEFFS[k] + s2 * p;
  // p = 1/3 + s2/5 + ...; log(m) = 2s + 2s*s2*p.
  return e * LN2_HI + (2 * s + 2 * s * s2 * p + e * LN2_LO);
}

/**
 * Exponential, bit-identical on every platform.
 *
 * @example
 * detExp(1); // 2.718281828459045 (within an ulp)
 */
export function detExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r for |r| <= 0.35, 18 terms.
  let p = 1;
  for (let n = 18; n >= 1; n--) p = 1 + (r * p) / n;
  if (k > 1023) return p * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return p * pow2(-1022) * pow2(k + 1022);
  return p * pow2(k);
}

/** Base-10 logarithm, bit-identical on every platform. */
export function detLog10(x: number): number {
  return detLog(x) / LN10;
}

/** 10^x, bit-identical on every platform. */
export function detPow10(x: number): number {
  return detExp(x * LN10);
}

function sinKernel(r: number): number {
  const r2 = r * r;
  let p = 1;
  for (let n = 17; n >= 3; n -= 2) p = 1 - (r2 * p) / (n * (n - 1));
  return r * p;
}

function cosKernel(r: number): number {
  const r2 = r * r;
  let p = 1;
  for (let n = 18; n >= 2; n -= 2) p = 1 - (r2 * p) / (n * (n - 1));
  return p;
}

/** Reduces x to r in [-pi/4, pi/4] and a quadrant q in 0..3 with x = q*pi/2 + r (for |x| < 1e6). */
function reduce(x: number): [number, number] {
  const n = Math.round(x * TWO_OVER_PI);
  const r = x - n * PIO2_HI - n * PIO2_LO;
  return [r, ((n % 4) + 4) % 4];
}

/**
 * Sine, bit-identical on every platform (meant for |x| < 1e6, e.g. window and twiddle tables).
 *
 * @example
 * detSin(Math.PI / 2); // 1
 */
export function detSin(x: number): number {
  const [r, q] = reduce(x);
  switch (q) {
    case 0:
      return sinKernel(r);
    case 1:
      return cosKernel(r);
    case 2:
      return -sinKernel(r);
    default:
      return -cosKernel(r);
  }
}

/**
 * Cosine, bit-identical on every platform (meant for |x| < 1e6).
 *
 * @example
 * detCos(0); // 1
 */
export function detCos(x: number): number {
  const [r, q] = reduce(x);
  switch (q) {
    case 0:
      return cosKernel(r);
    case 1:
      return -sinKernel(r);
    case 2:
      return -cosKernel(r);
    default:
      return sinKernel(r);
  }
}
