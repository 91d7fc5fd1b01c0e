/**
 * Turns a plain-array `Batch` into tensors on the current backend (float32 inputs, int32 labels and
 * indices). The rest of the data layer never touches a backend.
 */

import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import type { Batch } from './dataset.js';

/** A batch as tensors. */
export interface TensorBatch {
  inputs: Record<string, Tensor>;
  labels: Tensor;
  indices: Tensor;
}

/**
 * Uploads a batch. The caller owns the tensors (dispose them, or create them inside `tidy`).
 *
 * @example
 * for (const batch of ds.batches({ batchSize: 40, shuffle: true, seed: epoch })) {
 *   const t = toTensors(batch);
 *   t.inputs.colorlessimage.shape; // [40, 28, 28]
 * }
 */
export function toTensors(batch: Batch): TensorBatch {
  const inputs: Record<string, Tensor> = {};
  for (const [name, m] of Object.entries(batch.inputs)) inputs[name] = tensor(m.data, m.shape, { dtype: 'float32' });
  return {
    inputs,
    labels: tensor(batch.labels, [batch.labels.length], { dtype: 'int32' }),
    indices: tensor(batch.indices, [batch.indices.length], { dtype: 'int32' }),
  };
}
