import { describe, expect, it } from 'vitest';
import { toTensors } from '../../src/data/batch-tensors.js';
import { Dataset } from '../../src/data/dataset.js';

describe('toTensors', () => {
  it('uploads a batch as float32 inputs and int32 labels and indices', async () => {
    const ds = new Dataset({
      name: 't',
      classes: 2,
      labels: Int32Array.of(1, 0, 1),
      inputs: { x: { data: Float32Array.from({ length: 12 }, (_, i) => i / 2), shape: [3, 2, 2] } },
    });
    const [batch] = [...ds.batches({ batchSize: 2, shuffle: true, seed: 1 })];
    const t = toTensors(batch);
    expect(t.inputs.x.shape).toEqual([2, 2, 2]);
    expect(t.inputs.x.dtype).toBe('float32');
    expect(t.labels.dtype).toBe('int32');
    expect(t.indices.dtype).toBe('int32');
    expect(Array.from(await t.inputs.x.data())).toEqual(Array.from(batch.inputs.x.data));
    expect(Array.from(await t.labels.data())).toEqual(Array.from(batch.labels));
    expect(Array.from(await t.indices.data())).toEqual(Array.from(batch.indices));
    for (const x of [t.inputs.x, t.labels, t.indices]) x.dispose();
  });
});
