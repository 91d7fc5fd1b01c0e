/**
 * Special functions in float64. JavaScript has no erf; the reference backend needs one accurate to
 * about 1e-15 so that float64 gradient checks of GELU are meaningful.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * erf(x) to double precision. For |x| < 3 it sums the all-positive series
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), which has no
 * cancellation; beyond, it evaluates erfc by its continued fraction (modified Lentz), which
 * converges quickly there.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

/** erfc(x) for x >= 3 by the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
function erfcLarge(x: number): number {
  if (x === Infinity) return 0;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / f;
}

const SQRT1_2 = Math.SQRT1_2;

/**
 * GELU, exact form: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). For z = x / sqrt 2 <= -3,
 * 1 + erf(z) cancels (to 0 below z = -6), so the tail uses erfc(-z) directly.
 */
export function gelu(x: number): number {
  return x * normcdf(x);
}

const INV_SQRT_2PI = 0.3989422804014327;

/** The standard normal density exp(-x^2 / 2) / sqrt(2 pi). */
export function normpdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, through erfc on the far left (as `gelu`). */
export function normcdf(x: number): number {
  const z = x * SQRT1_2;
  return 0.5 * (z <= -3 ? erfcLarge(-z) : 1 + erf(z));
}
