/**
 * A mel filter bank (HTK mel scale, mel = 2595 log10(1 + f / 700)) that maps a power spectrum to band
 * energies. Each band is a triangle in Hz between the centres of its neighbours; a bin's weight is the
 * triangle's average over the bin's frequency extent (an exact integral), so no band is empty even when
 * bands are narrower than the FFT bin spacing. Each band's weights sum to 1 (a band's value is a mean
 * power, so all bands share one scale).
 */

import { fail } from '../errors.js';
import { detLog10, detPow10 } from './det-math.js';

/**
 * Hz to mel (HTK formula).
 *
 * @example
 * hzToMel(1000); // 999.99
 */
export function hzToMel(hz: number): number {
  return 2595 * detLog10(1 + hz / 700);
}

/**
 * Mel to Hz (inverse of `hzToMel`).
 *
 * @example
 * melToHz(hzToMel(440)); // 440
 */
export function melToHz(mel: number): number {
  return 700 * (detPow10(mel / 2595) - 1);
}

/** Options of `melFilterBank`. */
export interface MelFilterBankOptions {
  /** Number of mel bands. */
  bands: number;
  /** FFT size; the spectrum has fftSize / 2 + 1 bins. */
  fftSize: number;
  sampleRate: number;
  /** Lowest frequency in Hz (default 0). */
  fMin?: number;
  /** Highest frequency in Hz (default sampleRate / 2). */
  fMax?: number;
}

/** A sparse filter bank: band m uses bins first[m] .. first[m] + weights[m].length - 1. */
export interface MelFilterBank {
  bands: number;
  bins: number;
  /** Centre frequency of each band in Hz. */
  centers: Float64Array;
  first: Int32Array;
  weights: Float64Array[];
}

/** Integral of the triangle (lo, c, hi) with peak 1 over [a, b]; exact, as the triangle is piecewise linear. */
function triangleIntegral(a: number, b: number, lo: number, c: number, hi: number): number {
  const tri = (f: number): number => (f <= lo || f >= hi ? 0 : f <= c ? (f - lo) / (c - lo) : (hi - f) / (hi - c));
  const points = [a];
  for (const p of [lo, c, hi]) if (p > a && p < b) points.push(p);
  points.push(b);
  let sum = 0;
  for (let i = 1; i < points.length; i++) sum += ((points[i] - points[i - 1]) * (tri(points[i]) + tri(points[i - 1]))) / 2;
  return sum;
}

/**
 * Builds a mel filter bank.
 *
 * @example
 * const bank = melFilterBank({ bands: 28, fftSize: 256, sampleRate: 8000 });
 * bank.centers[0]; // about 70 Hz
 */
export function melFilterBank(options: MelFilterBankOptions): MelFilterBank {
  const op = 'melFilterBank';
  const { bands, fftSize, sampleRate } = options;
  const fMin = options.fMin ?? 0;
  const fMax = options.fMax ?? sampleRate / 2;
  if (!Number.isInteger(bands) || bands < 1) fail('VALUE', op, 'bands', 'a positive integer', bands);
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) {
    fail('VALUE', op, 'fMin/fMax', `0 <= fMin < fMax <= sampleRate / 2 = ${sampleRate / 2}`, [fMin, fMax]);
  }
  const bins = fftSize / 2 + 1;
  const df = sampleRate / fftSize;
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(fMax);
  const edges = new Float64Array(bands + 2);
  for (let i = 0; i < bands + 2; i++) edges[i] = melToHz(mMin + ((mMax - mMin) * i) / (bands + 1));
  const centers = new Float64Array(bands);
  const first = new Int32Array(bands);
  const weights: Float64Array[] = [];
  for (let m = 0; m < bands; m++) {
    const lo = edges[m];
    const c = edges[m + 1];
    const hi = edges[m + 2];
    centers[m] = c;
    const k0 = Math.max(0, Math.floor(lo / df - 0.5));
    const k1 = Math.min(bins - 1, Math.ceil(hi / df + 0.5));
    const w = new Float64Array(k1 - k0 + 1);
    let total = 0;
    for (let k = k0; k <= k1; k++) {
      const v = triangleIntegral(Math.max(0, (k - 0.5) * df), (k + 0.5) * df, lo, c, hi);
      w[k - k0] = v;
      total += v;
    }
    for (let i = 0; i < w.length; i++) w[i] /= total;
    first[m] = k0;
    weights.push(w);
  }
  return { bands, bins, centers, first, weights };
}
