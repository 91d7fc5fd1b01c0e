/**
 * An in-place radix-2 complex FFT with precomputed twiddles (from the deterministic `detCos`/`detSin`,
 * so results are bit-identical on every platform).
 */

import { fail } from '../errors.js';
import { detCos, detSin } from './det-math.js';

/** A forward discrete Fourier transform of one power-of-two size: X[k] = sum_n x[n] e^(-2 pi i k n / N). */
export class Fft {
  /** The transform size N. */
  readonly size: number;
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;
  private readonly reversed: Uint32Array;

  /**
   * Prepares tables for transforms of `size` points (a power of two >= 2).
   *
   * @example
   * const fft = new Fft(8);
   * const re = new Float64Array([1, 0, 0, 0, 0, 0, 0, 0]), im = new Float64Array(8);
   * fft.forward(re, im); // re is all ones
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      fail('VALUE', 'Fft', 'size', 'a power of two >= 2', size);
    }
    this.size = size;
    this.cosTable = new Float64Array(size / 2);
    this.sinTable = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      const a = (2 * Math.PI * k) / size;
      this.cosTable[k] = detCos(a);
      this.sinTable[k] = detSin(a);
    }
    const bits = Math.log2(size) | 0;
    this.reversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /**
   * Transforms `re` + i `im` in place (both of length `size`).
   *
   * @example
   * fft.forward(re, im);
   */
  forward(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    if (re.length !== n || im.length !== n) fail('SHAPE', 'Fft.forward', 're/im', `length ${n}`, `${re.length}/${im.length}`);
    const rev = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    const cosT = this.cosTable;
    const sinT = this.sinTable;
    for (let half = 1; half < n; half *= 2) {
      const stride = n / (2 * half);
      for (let start = 0; start < n; start += 2 * half) {
        for (let k = 0; k < half; k++) {
          const wr = cosT[k * stride];
          const wi = -sinT[k * stride];
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}
