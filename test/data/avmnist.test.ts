import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { buildAvMnist } from '../../src/data/avmnist.js';
import { loadFsdd } from '../../src/data/fsdd.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadSynthPool } from '../../src/data/synth-pool.js';
import { datasetBytes, tempDir } from './helpers.js';

const SMALL = { train: 300, val: 100, test: 200 };

describe('AV-MNIST (embedded synthetic audio)', () => {
  it('has the model layout: [N,28,28] images and [N,S,S] spectrograms in 0..1, quantised to 1/255', async () => {
    const av = await buildAvMnist({ audio: 'synth', sizes: SMALL, cache: false });
    expect(av.info.name).toBe('avmnist-synth');
    for (const [split, n] of Object.entries(SMALL) as ['train' | 'val' | 'test', number][]) {
      const ds = av[split];
      expect(ds.size).toBe(n);
      expect(ds.modalities()).toEqual(['audiospec', 'colorlessimage']);
      expect(ds.inputs.colorlessimage.shape).toEqual([n, 28, 28]);
      expect(ds.inputs.audiospec.shape).toEqual([n, 28, 28]);
      expect(Array.from(ds.indices.subarray(0, 3))).toEqual([0, 1, 2]);
      for (const m of ds.modalities()) {
        let bad = 0;
        for (const v of ds.inputs[m].data) if (!(v >= 0 && v <= 1) || Math.fround(Math.round(v * 255) / 255) !== v) bad++;
        expect(bad).toBe(0);
      }
    }
    expect(av.info.pca).not.toBeNull();
    expect(av.info.pca!.components).toBeGreaterThan(0);
    expect(av.info.pca!.energyKept).toBeGreaterThanOrEqual(0.25);
  });

  it('pairs each image with a recording of the same digit from the same split', async () => {
    const av = await buildAvMnist({ audio: 'synth', sizes: SMALL, cache: false });
    const mnist = await loadMnist();
    const pool = await loadSynthPool();
    const testVoices = new Set(pool.test.map((r) => r.speaker));
    for (const split of ['train', 'val', 'test'] as const) {
      const ds = av[split];
      const images = split === 'test' ? mnist.test : mnist.train;
      const audio = split === 'test' ? pool.test : pool.train;
      for (let i = 0; i < ds.size; i++) {
        const img = ds.meta.image[i];
        expect(images.labels[img]).toBe(ds.labels[i]);
        const rec = audio[ds.meta.audio[i]];
        expect(rec.digit).toBe(ds.labels[i]);
        expect(testVoices.has(rec.speaker)).toBe(split === 'test');
        expect(ds.meta.snrDb[i]).toBeGreaterThanOrEqual(-15);
        expect(ds.meta.snrDb[i]).toBeLessThanOrEqual(5);
      }
    }
    // MultiBench's splits: val holds MNIST train images 55,000.., test the MNIST test images.
    expect(av.train.meta.image[0]).toBe(0);
    expect(av.val.meta.image[0]).toBe(55000);
    expect(av.test.meta.image[0]).toBe(0);
  });

  it('the same seed builds byte-identical data; another seed changes the audio; smaller builds are prefixes', async () => {
    const a = await buildAvMnist({ audio: 'synth', sizes: SMALL, seed: 3, cache: false });
    const b = await buildAvMnist({ audio: 'synth', sizes: SMALL, seed: 3, cache: false });
    expect(Buffer.from(datasetBytes(a)).equals(Buffer.from(datasetBytes(b)))).toBe(true);
    const c = await buildAvMnist({ audio: 'synth', sizes: SMALL, seed: 4, cache: false });
    expect(Buffer.from(c.train.inputs.audiospec.data.buffer).equals(Buffer.from(a.train.inputs.audiospec.data.buffer))).toBe(false);
    expect(Buffer.from(c.train.inputs.colorlessimage.data.buffer).equals(Buffer.from(a.train.inputs.colorlessimage.data.buffer))).toBe(true);
    const small = await buildAvMnist({ audio: 'synth', sizes: { train: 50, val: 10, test: 20 }, seed: 3, cache: false });
    expect(Array.from(small.train.inputs.audiospec.data)).toEqual(Array.from(a.train.inputs.audiospec.data.subarray(0, 50 * 784)));
    expect(Array.from(small.test.meta.audio)).toEqual(Array.from(a.test.meta.audio.subarray(0, 20)));
  });

  it('options: no noise, no PCA, 112 x 112 spectrograms', async () => {
    const raw = await buildAvMnist({ audio: 'synth', sizes: { train: 20, val: 0, test: 5 }, snrDb: null, pcaEnergyRemoved: 0, specSize: 112, cache: false });
    expect(raw.train.inputs.audiospec.shape).toEqual([20, 112, 112]);
    expect(raw.info.pca).toBeNull();
    expect(raw.val.size).toBe(0);
    const mnist = await loadMnist();
    const img = raw.train.inputs.colorlessimage.data;
    for (let i = 0; i < 20 * 784; i++) expect(img[i]).toBe(Math.fround(mnist.train.images[i] / 255));
    const pca = await buildAvMnist({ audio: 'synth', sizes: { train: 20, val: 0, test: 5 }, snrDb: null, cache: false });
    let diff = 0;
    for (let i = 0; i < 20 * 784; i++) diff += Math.abs(pca.train.inputs.colorlessimage.data[i] - img[i]);
    expect(diff / (20 * 784)).toBeGreaterThan(0.05);
  });

  it('rejects bad options with OPTION errors', async () => {
    const e1 = await buildAvMnist({ audio: 'synth', sizes: { train: 60000 }, cache: false }).catch((e: unknown) => e);
    expect((e1 as VarmatError).code).toBe('OPTION');
    expect((e1 as Error).message).toMatch(/sizes\.train.*0\.\.55000.*60000/);
    await expect(buildAvMnist({ audio: 'synth', snrDb: [5, -5], cache: false })).rejects.toThrow(/snrDb/);
    await expect(buildAvMnist({ audio: 'synth', sise: 3 } as never)).rejects.toThrow(/unknown option 'sise'/);
  });

  it('caches atomically on disk, reuses the cache, and rebuilds when options change or the file is damaged', async () => {
    const dir = tempDir('varmat-cache-');
    const opts = { audio: 'synth' as const, sizes: { train: 60, val: 20, test: 30 }, cache: dir };
    const first = await buildAvMnist(opts);
    expect(first.fromCache).toBe(false);
    expect(first.cachePath).toBeDefined();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const second = await buildAvMnist(opts);
    expect(second.fromCache).toBe(true);
    expect(second.info.sizes).toEqual(first.info.sizes);
    expect(Buffer.from(datasetBytes(second)).equals(Buffer.from(datasetBytes(first)))).toBe(true);
    const other = await buildAvMnist({ ...opts, seed: 9 });
    expect(other.fromCache).toBe(false);
    expect(other.cachePath).not.toBe(first.cachePath);
    const bytes = readFileSync(first.cachePath!);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(first.cachePath!, bytes);
    const rebuilt = await buildAvMnist(opts);
    expect(rebuilt.fromCache).toBe(false);
    expect(Buffer.from(datasetBytes(rebuilt)).equals(Buffer.from(datasetBytes(first)))).toBe(true);
  });
});

describe('AV-MNIST (FSDD audio)', () => {
  it('pairs by label with FSDD train audio for train/val and FSDD test audio for test', async () => {
    const av = await buildAvMnist({ sizes: { train: 200, val: 50, test: 100 }, cache: false });
    expect(av.info.name).toBe('avmnist');
    expect(av.info.audioPool).toEqual({ train: 2700, test: 300 });
    const fsdd = await loadFsdd();
    for (const split of ['train', 'val', 'test'] as const) {
      const ds = av[split];
      const audio = split === 'test' ? fsdd.test : fsdd.train;
      for (let i = 0; i < ds.size; i++) {
        const rec = audio[ds.meta.audio[i]];
        expect(rec.digit).toBe(ds.labels[i]);
        expect(Number(rec.id.split('_')[2]) <= 4).toBe(split === 'test');
      }
    }
  });
});
