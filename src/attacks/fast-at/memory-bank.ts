/**
 * Per-sample memories of the fast adversarial-training attacks (FGSM-EP, -MEP, -PCO): one tensor
 * per dataset index and modality, kept on the device row by row, so reading and writing a batch's
 * rows costs one slice per row and one concatenation, never a read-back nor a copy of the whole
 * bank.
 */

import { fail } from '../../errors.js';
import { keep, tidy } from '../../memory.js';
import type { TypedArray } from '../../dtype.js';
import { Tensor } from '../../tensor.js';
import { tensor } from '../../ops/creation.js';
import { concat, slice } from '../../ops/movement.js';

/** A bank's contents on the host (for checkpoints): indices and, per modality, their rows. */
export interface MemoryBankState {
  /** Row shape of each modality (without the batch axis). */
  shapes: Record<string, number[]>;
  /** Per modality: the indices held and their rows, row-major, in that order. */
  rows: Record<string, { indices: Int32Array; data: Float32Array | Float64Array }>;
}

/**
 * A per-sample memory keyed by dataset index (the authors' `perturb[idx]` / `mep_grad[idx]`).
 *
 * @example
 * const bank = new MemoryBank('prior');
 * bank.write([7, 3], { audiospec: delta });          // rows 0 and 1 of delta
 * const prior = bank.gather([3, 7], 'audiospec');    // [2, ...] in that order
 */
export class MemoryBank {
  private readonly store = new Map<string, Map<number, Tensor>>();

  constructor(readonly name: string) {}

  /** Number of (index, modality) rows held. */
  get size(): number {
    let n = 0;
    for (const rows of this.store.values()) n += rows.size;
    return n;
  }

  /** Whether every one of `indices` has a row for `modality`. */
  hasAll(indices: ArrayLike<number>, modality: string): boolean {
    const rows = this.store.get(modality);
    if (!rows) return false;
    for (let i = 0; i < indices.length; i++) if (!rows.has(indices[i])) return false;
    return true;
  }

  /** Whether `index` has a row for `modality`. */
  has(index: number, modality: string): boolean {
    return this.store.get(modality)?.has(index) ?? false;
  }

  /**
   * The rows of `indices` for `modality`, stacked [B, ...] in that order. Rows without an entry
   * come from `fallback` (same batch layout), or raise a VALUE error when there is none.
   */
  gather(indices: ArrayLike<number>, modality: string, fallback?: Tensor): Tensor {
    const rows = this.store.get(modality);
    return tidy(() => {
      const parts: Tensor[] = [];
      for (let i = 0; i < indices.length; i++) {
        const row = rows?.get(indices[i]);
        if (row) parts.push(row);
        else if (fallback) parts.push(slice(fallback, [i], [1]));
        else fail('VALUE', `MemoryBank(${this.name}).gather`, 'indices', `indices held by the bank for '${modality}'`, indices[i]);
      }
      return parts.length === 1 ? parts[0].reshape(parts[0].shape) : concat(parts, 0);
    });
  }

  /** Stores row b of each `values[m]` under `indices[b]`, replacing (and freeing) what was there. */
  write(indices: ArrayLike<number>, values: Readonly<Record<string, Tensor>>): void {
    for (const [m, v] of Object.entries(values)) {
      if (!(v instanceof Tensor) || v.rank < 1 || v.shape[0] !== indices.length) {
        fail('SHAPE', `MemoryBank(${this.name}).write`, `values.${m}`, `a tensor with ${indices.length} rows`, v);
      }
      let rows = this.store.get(m);
      if (!rows) {
        rows = new Map();
        this.store.set(m, rows);
      }
      const fresh = tidy(() => Array.from({ length: indices.length }, (_, b) => slice(v.detach(), [b], [1])));
      for (let b = 0; b < indices.length; b++) {
        const row = keep(fresh[b]);
        rows.get(indices[b])?.dispose();
        rows.set(indices[b], row);
      }
    }
  }

  /** Frees every row. */
  clear(): void {
    for (const rows of this.store.values()) for (const t of rows.values()) t.dispose();
    this.store.clear();
  }

  /** Frees every row (the bank stays usable, empty). */
  dispose(): void {
    this.clear();
  }

  /**
   * Copies the bank to the host (one read per row), e.g. to save it with a training checkpoint.
   *
   * @example
   * const state = await bank.exportState();
   */
  async exportState(): Promise<MemoryBankState> {
    const out: MemoryBankState = { shapes: {}, rows: {} };
    for (const [m, rows] of this.store) {
      const indices = Int32Array.from([...rows.keys()].sort((a, b) => a - b));
      const first = rows.get(indices[0]);
      if (!first) continue;
      const per = first.size;
      const data = first.dtype === 'float64' ? new Float64Array(indices.length * per) : new Float32Array(indices.length * per);
      for (let i = 0; i < indices.length; i++) {
        const values: TypedArray = await rows.get(indices[i])!.data();
        data.set(values as Float32Array, i * per);
      }
      out.shapes[m] = first.shape.slice(1);
      out.rows[m] = { indices, data };
    }
    return out;
  }

  /**
   * Replaces the contents with a state from `exportState`, as tensors of `dtype` on `backend`.
   *
   * @example
   * bank.importState(state, { dtype: 'float32', backend: 'wasm' });
   */
  importState(state: MemoryBankState, placement: { dtype?: 'float32' | 'float64'; backend?: 'reference' | 'wasm' | 'webgpu' } = {}): void {
    this.clear();
    for (const [m, { indices, data }] of Object.entries(state.rows)) {
      const shape = state.shapes[m];
      if (!shape) fail('VALUE', `MemoryBank(${this.name}).importState`, `state.shapes.${m}`, 'the row shape', shape);
      const per = shape.reduce((a, b) => a * b, 1);
      if (data.length !== per * indices.length) fail('SHAPE', `MemoryBank(${this.name}).importState`, `state.rows.${m}`, `${indices.length} rows of ${per} values`, data.length);
      const rows = new Map<number, Tensor>();
      for (let i = 0; i < indices.length; i++) {
        rows.set(indices[i], keep(tensor(data.subarray(i * per, (i + 1) * per), [1, ...shape], placement)));
      }
      this.store.set(m, rows);
    }
  }
}

/**
 * Dataset indices as host integers: from an int32 tensor (read synchronously: reference and wasm
 * backends; on WebGPU pass the batch's host `indices` array instead) or an array. They must be
 * distinct integers.
 *
 * @example
 * hostIndices('fgsm-ep', batch.indices, 40);   // Int32Array of the 40 dataset indices
 */
export function hostIndices(op: string, indices: Tensor | ArrayLike<number>, batch: number): Int32Array {
  let out: Int32Array;
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32' || indices.rank !== 1) fail('DTYPE', op, 'indices', 'an int32 tensor [B] or an array of integers', indices);
    out = Int32Array.from(indices.dataSync() as Int32Array);
  } else if (indices !== null && typeof indices === 'object' && typeof indices.length === 'number') {
    out = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      if (!Number.isInteger(indices[i])) fail('VALUE', op, `indices[${i}]`, 'an integer dataset index', indices[i]);
      out[i] = indices[i];
    }
  } else {
    return fail('VALUE', op, 'indices', 'the batch\'s dataset indices (int32 tensor or array)', indices);
  }
  if (out.length !== batch) fail('SHAPE', op, 'indices', `${batch} indices (one per sample)`, out.length);
  if (new Set(out).size !== out.length) fail('VALUE', op, 'indices', 'distinct dataset indices within a batch', Array.from(out));
  return out;
}
