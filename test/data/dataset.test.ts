import { describe, expect, it } from 'vitest';
import { Dataset } from '../../src/data/dataset.js';
import { decodeDatasets, encodeDatasets } from '../../src/data/dataset-file.js';

function toy(n = 10): Dataset {
  return new Dataset({
    name: 'toy',
    classes: 3,
    inputs: {
      b: { data: Float32Array.from({ length: n * 2 }, (_, i) => i), shape: [n, 2] },
      a: { data: Float32Array.from({ length: n * 4 }, (_, i) => -i), shape: [n, 2, 2] },
    },
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    meta: { source: Int32Array.from({ length: n }, (_, i) => 100 + i) },
  });
}

describe('Dataset', () => {
  it('yields batches that cover every sample once, in order or seeded-shuffled', () => {
    const ds = toy();
    expect(ds.modalities()).toEqual(['a', 'b']);
    expect(ds.sampleShape('a')).toEqual([2, 2]);
    expect(ds.classCounts()).toEqual([4, 3, 3]);
    const ordered = [...ds.batches({ batchSize: 4 })];
    expect(ordered.map((b) => b.labels.length)).toEqual([4, 4, 2]);
    expect(ordered[0].inputs.a.shape).toEqual([4, 2, 2]);
    expect(Array.from(ordered[1].indices)).toEqual([4, 5, 6, 7]);
    expect(Array.from(ordered[1].inputs.b.data)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    const s1 = [...ds.batches({ batchSize: 3, shuffle: true, seed: 5 })].flatMap((b) => Array.from(b.indices));
    const s2 = [...ds.batches({ batchSize: 3, shuffle: true, seed: 5 })].flatMap((b) => Array.from(b.indices));
    const s3 = [...ds.batches({ batchSize: 3, shuffle: true, seed: 6 })].flatMap((b) => Array.from(b.indices));
    expect(s1).toEqual(s2);
    expect(s1).not.toEqual(s3);
    expect([...s1].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Rows stay consistent across modalities and labels when shuffled.
    for (const b of ds.batches({ batchSize: 3, shuffle: true, seed: 5 })) {
      for (let i = 0; i < b.indices.length; i++) {
        expect(b.labels[i]).toBe(b.indices[i] % 3);
        expect(b.inputs.b.data[2 * i]).toBe(2 * b.indices[i]);
      }
    }
    expect([...ds.batches({ batchSize: 4, dropLast: true })].length).toBe(2);
  });

  it('subset keeps sample indices and meta', () => {
    const sub = toy().subset([7, 2]);
    expect(Array.from(sub.indices)).toEqual([7, 2]);
    expect(Array.from(sub.meta.source)).toEqual([107, 102]);
    expect(Array.from(sub.inputs.b.data)).toEqual([14, 15, 4, 5]);
  });

  it('rejects inconsistent arrays and bad options', () => {
    expect(() => new Dataset({ name: 'x', classes: 2, labels: Int32Array.of(0, 1), inputs: { a: { data: new Float32Array(3), shape: [2, 2] } } })).toThrow(/inputs\.a/);
    expect(() => new Dataset({ name: 'x', classes: 2, labels: Int32Array.of(0, 2), inputs: { a: { data: new Float32Array(2), shape: [2, 1] } } })).toThrow(/labels\[1\]/);
    expect(() => [...toy().batches({ batchSize: 0 })]).toThrow(/batchSize/);
    expect(() => [...toy().batches({ batchSize: 2, shufle: true } as never)]).toThrow(/unknown option 'shufle'/);
  });

  it('serialises losslessly (uint8/255 values stored as bytes) and detects damage', async () => {
    const ds = toy();
    const q = new Dataset({ name: 'q', classes: 3, labels: ds.labels, inputs: { img: { data: Float32Array.from({ length: 10 }, (_, i) => (i * 25) / 255), shape: [10, 1] } } });
    const bytes = await encodeDatasets({ train: ds, test: q }, { hello: 1 });
    const back = await decodeDatasets(bytes);
    expect(back.info).toEqual({ hello: 1 });
    expect(Array.from(back.splits.train.inputs.a.data)).toEqual(Array.from(ds.inputs.a.data));
    expect(Array.from(back.splits.train.meta.source)).toEqual(Array.from(ds.meta.source));
    expect(Array.from(back.splits.test.inputs.img.data)).toEqual(Array.from(q.inputs.img.data));
    const damaged = bytes.slice();
    damaged[damaged.length - 5] ^= 1;
    await expect(decodeDatasets(damaged, 'c.vmds')).rejects.toThrow(/c\.vmds: payload SHA-256/);
  });
});
