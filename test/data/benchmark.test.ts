import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { loadBenchmark } from '../../src/data/multimodal-benchmark.js';
import { encodeNpy } from '../../src/data/npy.js';
import { loadDataset } from '../../src/data/registry.js';
import { tempDir, writeZip } from './helpers.js';

/** A small MOSEI-like split: N samples, T steps; text starts at step `start[i]` (or never: all zero). */
function moseiSplit(starts: (number | null)[], T: number) {
  const N = starts.length;
  const vision = new Float32Array(N * T * 2);
  const audio = new Float32Array(N * T * 3);
  const text = new Float32Array(N * T * 4);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      for (let f = 0; f < 2; f++) vision[(i * T + t) * 2 + f] = i + t * (f + 1);
      for (let f = 0; f < 3; f++) audio[(i * T + t) * 3 + f] = f === 2 ? -Infinity : t * t - f;
      const s = starts[i];
      if (s !== null && t >= s) for (let f = 0; f < 4; f++) text[(i * T + t) * 4 + f] = f === 0 ? 0 : t + f; // first feature zero
    }
  }
  const labels = Float64Array.from({ length: N }, (_, i) => [0.0, -0.4, 1.2, -2, 0.5][i % 5]);
  return {
    'vision.npy': encodeNpy(vision, [N, T, 2]),
    'audio.npy': encodeNpy(audio, [N, T, 3]),
    'text.npy': encodeNpy(text, [N, T, 4]),
    'labels.npy': encodeNpy(labels, [N, 1, 1]),
  };
}

describe('neutral-format benchmarks', () => {
  it('MOSEI: drops empty text, crops at the first text step, z-normalises, pads to steps, labels score >= 0', async () => {
    const dir = tempDir('varmat-mosei-');
    const T = 8;
    writeFileSync(join(dir, 'train.npz'), await writeZip(moseiSplit([0, 3, null, 7, 2], T), 8));
    writeFileSync(join(dir, 'valid.npz'), await writeZip(moseiSplit([1, 1], T), 0));
    const test = moseiSplit([5], T);
    for (const [k, v] of Object.entries(test)) writeFileSync(join(dir, `test_${k}`), v);
    const manifest = {
      format: 'varmat-benchmark/1',
      dataset: 'mosei',
      classes: 2,
      steps: 6,
      labels: { array: 'labels' },
      splits: {
        train: { file: 'train.npz' },
        val: { file: 'valid.npz' },
        test: { arrays: { vision: 'test_vision.npy', audio: 'test_audio.npy', text: 'test_text.npy', labels: 'test_labels.npy' } },
      },
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const b = await loadDataset('mosei', { dir });
    const train = b.train;
    expect(train.modalities()).toEqual(['feature1', 'feature2', 'feature3']);
    // Sample 2 has no text: dropped; indices are positions after dropping.
    expect(train.size).toBe(4);
    expect(Array.from(train.indices)).toEqual([0, 1, 2, 3]);
    expect(Array.from(train.labels)).toEqual([1, 0, 0, 1]); // scores 0, -0.4, -2, 0.5
    expect(train.inputs.feature1.shape).toEqual([4, 6, 2]);
    expect(train.inputs.feature3.shape).toEqual([4, 6, 4]);
    // Sample 1 (original 1) starts at step 3: 5 steps remain (3..7), so rows 5.. are padding.
    const v = train.inputs.feature1.data;
    const row = (s: number, t: number, f: number) => v[(s * 6 + t) * 2 + f];
    // vision of original sample 1, feature 0 over t = 3..7 is 1 + t: mean 6, unbiased std sqrt(2.5).
    expect(row(1, 0, 0)).toBeCloseTo((4 - 6) / Math.sqrt(2.5), 6);
    expect(row(1, 4, 0)).toBeCloseTo((8 - 6) / Math.sqrt(2.5), 6);
    expect(row(1, 5, 0)).toBe(0);
    // The constant first text feature is 0/0 -> 0; -inf audio became 0 and is constant -> 0.
    const text = train.inputs.feature3.data;
    expect(text[(1 * 6 + 0) * 4 + 0]).toBe(0);
    const audio = train.inputs.feature2.data;
    expect(audio[(1 * 6 + 2) * 3 + 2]).toBe(0);
    // Sample with text only at its last step: one step, std undefined -> 0, rest padding.
    expect(Array.from(train.inputs.feature1.data.subarray(2 * 12, 3 * 12))).toEqual(new Array(12).fill(0));
    expect(b.val.size).toBe(2);
    expect(b.test.size).toBe(1);
    expect(b.test.inputs.feature2.shape).toEqual([1, 6, 3]);
  });

  it('UR-FUNNY: raw arrays, label = first value truncated, modality names feature3/4/5', async () => {
    const dir = tempDir('varmat-humor-');
    const split = (n: number) => ({
      'text.npy': encodeNpy(Float32Array.from({ length: n * 5 * 3 }, (_, i) => i), [n, 5, 3]),
      'vision.npy': encodeNpy(new Float32Array(n * 5 * 2).fill(2), [n, 5, 2]),
      'audio.npy': encodeNpy(new Float32Array(n * 5 * 4).fill(-1), [n, 5, 4]),
      'labels.npy': encodeNpy(Float64Array.from({ length: n }, (_, i) => i % 2), [n, 1]),
    });
    writeFileSync(join(dir, 'train.npz'), await writeZip(split(4), 8));
    writeFileSync(join(dir, 'valid.npz'), await writeZip(split(2), 8));
    writeFileSync(join(dir, 'test.npz'), await writeZip(split(3), 8));
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        format: 'varmat-benchmark/1',
        dataset: 'urfunny',
        classes: 2,
        modalities: { feature3: { array: 'text', source: 'text', shape: [5, 3] }, feature4: { array: 'vision', source: 'vision' }, feature5: { array: 'audio', source: 'audio' } },
        labels: { array: 'labels' },
        splits: { train: { file: 'train.npz' }, val: { file: 'valid.npz' }, test: { file: 'test.npz' } },
      }),
    );
    const b = await loadBenchmark({ dir });
    expect(b.train.modalities()).toEqual(['feature3', 'feature4', 'feature5']);
    expect(Array.from(b.train.labels)).toEqual([0, 1, 0, 1]);
    expect(b.train.inputs.feature3.data[7]).toBe(7); // no z-normalisation
    expect(b.test.sampleShape('feature5')).toEqual([5, 4]);
  });

  it('says plainly that MOSEI / UR-FUNNY are not available offline', async () => {
    const e1 = await loadDataset('mosei').catch((e: unknown) => e);
    expect((e1 as VarmatError).code).toBe('IO');
    expect((e1 as Error).message).toMatch(/mosei is not available offline.*docs\/datasets\.md/);
    const e2 = await loadDataset('urfunny', { dir: '/nonexistent/humor' }).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/not available offline and was not found at '\/nonexistent\/humor'/);
    await expect(loadDataset('cifar')).rejects.toThrow(/argument 'name' expected one of avmnist, avmnist-synth, mosei, urfunny/);
  });
});
