import { describe, expect, it } from 'vitest';
import { Fft } from '../../src/data/fft.js';
import { LogMelSpectrogram } from '../../src/data/log-mel-spectrogram.js';
import { hzToMel, melFilterBank, melToHz } from '../../src/data/mel-filter-bank.js';
import { Rng } from '../../src/random.js';

function tone(hz: number, n: number, rate = 8000): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
}

function peakRows(spec: Float32Array, bands: number, frames: number): number[] {
  const rows: number[] = [];
  for (let t = 0; t < frames; t++) {
    let best = 0;
    for (let b = 1; b < bands; b++) if (spec[b * frames + t] > spec[best * frames + t]) best = b;
    rows.push(best);
  }
  return rows;
}

describe('FFT', () => {
  it('matches a direct DFT', () => {
    const n = 64;
    const rng = new Rng(1);
    const re = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
    const im = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
    const r2 = re.slice();
    const i2 = im.slice();
    new Fft(n).forward(r2, i2);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
        si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
      }
      expect(r2[k]).toBeCloseTo(sr, 10);
      expect(i2[k]).toBeCloseTo(si, 10);
    }
    expect(() => new Fft(12)).toThrow(/power of two/);
  });
});

describe('mel filter bank', () => {
  it('uses the HTK mel scale and normalised, non-empty bands', () => {
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(melToHz(hzToMel(1234))).toBeCloseTo(1234, 8);
    const bank = melFilterBank({ bands: 112, fftSize: 512, sampleRate: 8000 });
    for (let m = 0; m < 112; m++) {
      const sum = bank.weights[m].reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 12);
    }
    for (let m = 1; m < 112; m++) expect(bank.centers[m]).toBeGreaterThan(bank.centers[m - 1]);
  });
});

describe('LogMelSpectrogram', () => {
  it('a pure tone peaks in the mel band centred on its frequency, in every frame', () => {
    for (const size of [28, 112]) {
      const front = new LogMelSpectrogram({ sampleRate: 8000, size });
      for (const band of [8, Math.floor(size / 2), size - 3]) {
        const hz = front.bank.centers[band];
        const spec = front.compute(tone(hz, 4000));
        expect(new Set(peakRows(spec, size, size))).toEqual(new Set([band]));
      }
    }
  });

  it('higher tones peak in higher rows', () => {
    const front = new LogMelSpectrogram({ sampleRate: 8000, size: 28 });
    const rows = [300, 800, 1500, 3000].map((hz) => peakRows(front.compute(tone(hz, 4000)), 28, 28)[14]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
  });

  it('is in [0, 1] with the loudest cell at 1, gives zeros for silence, and is deterministic', () => {
    const rng = new Rng(7);
    const noise = Float32Array.from({ length: 3000 }, () => rng.uniform() - 0.5);
    const front = new LogMelSpectrogram({ sampleRate: 8000, size: 28 });
    const a = front.compute(noise);
    expect(a.length).toBe(28 * 28);
    expect(Math.max(...a)).toBe(1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Array.from(front.compute(new Float32Array(500)))).toEqual(new Array(784).fill(0));
    const b = new LogMelSpectrogram({ sampleRate: 8000, size: 28 }).compute(noise);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // Gain does not matter (scaled to the loudest cell); very short and very long clips work.
    const louder = front.compute(noise.map((v) => v * 8));
    for (let i = 0; i < a.length; i++) expect(louder[i]).toBeCloseTo(a[i], 5);
    expect(front.compute(tone(440, 100)).length).toBe(784);
    expect(front.compute(tone(440, 40000)).length).toBe(784);
  });

  it('rejects bad options', () => {
    expect(() => new LogMelSpectrogram({ sampleRate: 8000, size: 0 })).toThrow(/argument 'bands'/);
    expect(() => new LogMelSpectrogram({ sampleRate: 8000, fftSize: 100 })).toThrow(/fftSize/);
    expect(() => new LogMelSpectrogram({ sampleRate: 8000, sizes: 3 } as never)).toThrow(/unknown option 'sizes'/);
  });
});
