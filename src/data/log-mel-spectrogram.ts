/**
 * The log-mel spectrogram front end for spoken digits, in plain TypeScript and bit-identical on every
 * platform (deterministic math, fixed operation order).
 *
 * Steps: remove the mean; pre-emphasis y[n] = x[n] - 0.97 x[n-1]; cut the utterance into `frames`
 * equal time segments (the time axis is normalised to the utterance's length, as the recordings are
 * trimmed of silence); for each segment, Hann-windowed frames of `windowLength` samples centred in it
 * (one frame when the segment is shorter than a window, else enough frames to cover it, averaged),
 * zero-padded at the signal's edges; power spectrum by FFT; mel filter bank; 10 log10; then scaled to
 * 0..1 per spectrogram: the loudest cell maps to 1 and anything `dynamicRangeDb` or more below it to 0.
 *
 * Layout of the output: row-major [bands, frames]; row 0 is the lowest mel band, column 0 the start.
 */

import { checkOptions, fail } from '../errors.js';
import { detCos, detLog10 } from './det-math.js';
import { Fft } from './fft.js';
import { melFilterBank, type MelFilterBank } from './mel-filter-bank.js';

/** Options of `LogMelSpectrogram`. */
export interface LogMelOptions {
  /** Sample rate of the audio in Hz. */
  sampleRate: number;
  /** Number of mel bands and of time frames (a square spectrogram), default 28. */
  size?: number;
  /** Number of mel bands (rows); overrides `size`. */
  bands?: number;
  /** Number of time frames (columns); overrides `size`. */
  frames?: number;
  /** Analysis window in samples (default 32 ms: 256 at 8 kHz). */
  windowLength?: number;
  /** FFT size, a power of two >= windowLength (default: the smallest power of two >= max(windowLength, 4 bands)). */
  fftSize?: number;
  /** Lowest mel-band edge in Hz (default 0). */
  fMin?: number;
  /** Highest mel-band edge in Hz (default min(4000, sampleRate / 2)). */
  fMax?: number;
  /** Pre-emphasis coefficient (default 0.97; 0 disables it). */
  preEmphasis?: number;
  /** Dynamic range kept below the loudest cell, in dB (default 80). */
  dynamicRangeDb?: number;
}

const KNOWN = ['sampleRate', 'size', 'bands', 'frames', 'windowLength', 'fftSize', 'fMin', 'fMax', 'preEmphasis', 'dynamicRangeDb'];

function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** A configured log-mel front end; reuse one instance for many utterances. */
export class LogMelSpectrogram {
  readonly bands: number;
  readonly frames: number;
  readonly sampleRate: number;
  readonly windowLength: number;
  readonly fftSize: number;
  readonly preEmphasis: number;
  readonly dynamicRangeDb: number;
  /** The filter bank in use (band centres are useful for tests and plots). */
  readonly bank: MelFilterBank;
  private readonly fft: Fft;
  private readonly window: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /**
   * Prepares the window, FFT tables and filter bank.
   *
   * @example
   * const front = new LogMelSpectrogram({ sampleRate: 8000, size: 28 });
   * const spec = front.compute(samples); // Float32Array(28 * 28) in 0..1
   */
  constructor(options: LogMelOptions) {
    const op = 'LogMelSpectrogram';
    checkOptions(op, options, KNOWN);
    const sr = options.sampleRate;
    if (!Number.isInteger(sr) || sr <= 0) fail('VALUE', op, 'sampleRate', 'a positive integer', sr);
    const size = options.size ?? 28;
    this.bands = options.bands ?? size;
    this.frames = options.frames ?? size;
    for (const [k, v] of [['bands', this.bands], ['frames', this.frames]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 4096) fail('VALUE', op, k, 'an integer in 1..4096', v);
    }
    this.sampleRate = sr;
    this.windowLength = options.windowLength ?? Math.round(0.032 * sr);
    if (!Number.isInteger(this.windowLength) || this.windowLength < 2) fail('VALUE', op, 'windowLength', 'an integer >= 2', this.windowLength);
    this.fftSize = options.fftSize ?? nextPow2(Math.max(this.windowLength, 4 * this.bands));
    if (this.fftSize < this.windowLength || (this.fftSize & (this.fftSize - 1)) !== 0) {
      fail('VALUE', op, 'fftSize', `a power of two >= windowLength ${this.windowLength}`, this.fftSize);
    }
    this.preEmphasis = options.preEmphasis ?? 0.97;
    this.dynamicRangeDb = options.dynamicRangeDb ?? 80;
    if (!(this.dynamicRangeDb > 0)) fail('VALUE', op, 'dynamicRangeDb', 'a positive number', this.dynamicRangeDb);
    this.bank = melFilterBank({
      bands: this.bands,
      fftSize: this.fftSize,
      sampleRate: sr,
      fMin: options.fMin ?? 0,
      fMax: options.fMax ?? Math.min(4000, sr / 2),
    });
    this.fft = new Fft(this.fftSize);
    this.window = new Float64Array(this.windowLength);
    for (let i = 0; i < this.windowLength; i++) this.window[i] = 0.5 - 0.5 * detCos((2 * Math.PI * i) / this.windowLength);
    this.re = new Float64Array(this.fftSize);
    this.im = new Float64Array(this.fftSize);
  }

  /**
   * Computes the spectrogram of mono `samples` (any scale) into `out` at `offset` (allocated when
   * omitted) and returns `out`. An all-zero signal gives all zeros.
   *
   * @example
   * const spec = front.compute(wav.samples);
   */
  compute(samples: ArrayLike<number>, out?: Float32Array, offset = 0): Float32Array {
    const B = this.bands;
    const F = this.frames;
    const dst = out ?? new Float32Array(B * F);
    if (dst.length < offset + B * F) fail('SHAPE', 'LogMelSpectrogram.compute', 'out', `at least ${offset + B * F} elements`, dst.length);
    const L = samples.length;
    // Mean removal and pre-emphasis.
    let mean = 0;
    for (let i = 0; i < L; i++) mean += samples[i];
    mean = L > 0 ? mean / L : 0;
    const x = new Float64Array(L);
    let prev = 0;
    for (let i = 0; i < L; i++) {
      const v = samples[i] - mean;
      x[i] = v - this.preEmphasis * prev;
      prev = v;
    }
    // Frames: [column, start, weight].
    const W = this.windowLength;
    const cols: number[] = [];
    const starts: number[] = [];
    const weights: number[] = [];
    for (let t = 0; t < F; t++) {
      const a = Math.floor((t * L) / F);
      const segLen = Math.floor(((t + 1) * L) / F) - a;
      const n = Math.max(1, Math.ceil(segLen / W));
      for (let j = 0; j < n; j++) {
        cols.push(t);
        starts.push(Math.floor(a + ((j + 0.5) * segLen) / n - W / 2 + 0.5));
        weights.push(1 / n);
      }
    }
    const bins = this.bank.bins;
    const power = new Float64Array(F * bins);
    const N = this.fftSize;
    const re = this.re;
    const im = this.im;
    const win = this.window;
    // Two real frames per complex FFT: frame A in the real part, frame B in the imaginary part.
    for (let f = 0; f < cols.length; f += 2) {
      re.fill(0);
      im.fill(0);
      const hasB = f + 1 < cols.length;
      for (let i = 0; i < W; i++) {
        const ia = starts[f] + i;
        if (ia >= 0 && ia < L) re[i] = x[ia] * win[i];
        if (hasB) {
          const ib = starts[f + 1] + i;
          if (ib >= 0 && ib < L) im[i] = x[ib] * win[i];
        }
      }
      this.fft.forward(re, im);
      const pa = cols[f] * bins;
      const wa = weights[f];
      const pb = hasB ? cols[f + 1] * bins : 0;
      const wb = hasB ? weights[f + 1] : 0;
      for (let k = 0; k < bins; k++) {
        const nk = (N - k) % N;
        // A[k] = (Z[k] + conj Z[N-k]) / 2, B[k] = (Z[k] - conj Z[N-k]) / 2i.
        const ar = (re[k] + re[nk]) / 2;
        const ai = (im[k] - im[nk]) / 2;
        power[pa + k] += wa * (ar * ar + ai * ai);
        if (hasB) {
          const br = (im[k] + im[nk]) / 2;
          const bi = (re[nk] - re[k]) / 2;
          power[pb + k] += wb * (br * br + bi * bi);
        }
      }
    }
    // Mel bands and decibels.
    const db = new Float64Array(B * F);
    let top = -Infinity;
    const { first, weights: bankW } = this.bank;
    for (let m = 0; m < B; m++) {
      const w = bankW[m];
      const k0 = first[m];
      for (let t = 0; t < F; t++) {
        const p = power.subarray(t * bins + k0);
        let e = 0;
        for (let i = 0; i < w.length; i++) e += w[i] * p[i];
        const v = 10 * detLog10(e + 1e-20);
        db[m * F + t] = v;
        if (v > top) top = v;
      }
    }
    const range = this.dynamicRangeDb;
    const silent = top <= -199;
    for (let i = 0; i < B * F; i++) {
      const v = silent ? 0 : (db[i] - top + range) / range;
      dst[offset + i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return dst;
  }
}
