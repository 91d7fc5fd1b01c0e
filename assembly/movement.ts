// Strided copy of 4-byte elements (f32 or i32):
// out[sum_d i_d * t_d] = x[offset + sum_d i_d * s_d] over the index space `shape`.
// Serves transpose, slices with steps and broadcasts (stride 0). The rows (last axis) are
// contiguous in the output; the outer axes may come in any order, so the caller can walk the
// input in memory order (reading sequentially and writing scattered rows is faster than the
// reverse).

import { at } from './simd';

/** `meta` holds i32 [shape(rank), strides s(rank), output strides t(rank), scratch(rank)]; rank >= 1. */
export function stridedCopy(x: usize, out: usize, rank: i32, meta: usize, offset: i32): void {
  const shape = meta;
  const strides = meta + (<usize>rank << 2);
  const outStrides = meta + (<usize>rank << 3);
  const idx = meta + (<usize>rank * 12);
  const last = rank - 1;
  const n = load<i32>(at(shape, last));
  const s = load<i32>(at(strides, last));
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(at(shape, d));
    store<i32>(at(idx, d), 0);
  }
  let o = offset;
  let q = 0;
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const dst = at(out, q);
    if (s == 1) {
      if (ASC_FEATURE_SIMD && n <= 256) {
        // Short contiguous rows (attention heads: 64 values): a vector loop beats a call to the
        // runtime's memmove per row.
        const src = at(x, o);
        let i = 0;
        for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
        for (; i < n; i++) store<i32>(dst + (<usize>i << 2), load<i32>(src + (<usize>i << 2)));
      } else {
        memory.copy(dst, at(x, o), rowBytes);
      }
    } else if (s == 0) {
      const v = load<i32>(at(x, o));
      for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), v);
    } else {
      let src = o;
      for (let i = 0; i < n; i++) {
        store<i32>(dst + (<usize>i << 2), load<i32>(at(x, src)));
        src += s;
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      const v = load<i32>(at(idx, d)) + 1;
      const dim = load<i32>(at(shape, d));
      o += load<i32>(at(strides, d));
      q += load<i32>(at(outStrides, d));
      if (v < dim) {
        store<i32>(at(idx, d), v);
        break;
      }
      store<i32>(at(idx, d), 0);
      o -= load<i32>(at(strides, d)) * dim;
      q -= load<i32>(at(outStrides, d)) * dim;
    }
  }
}

/**
 * Copies `count` blocks of `len` 4-byte elements from src + i * srcStride to dst + i * dstStride
 * (strides in elements): one operand of a concatenation, or of a padding, in one call.
 */
export function copyBlocks(src: usize, dst: usize, count: i32, len: i32, srcStride: i32, dstStride: i32): void {
  const bytes = <usize>len << 2;
  for (let i = 0; i < count; i++) {
    const s = at(src, i * srcStride);
    const d = at(dst, i * dstStride);
    if (ASC_FEATURE_SIMD && len <= 64) {
      let j = 0;
      for (; j + 4 <= len; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
      for (; j < len; j++) store<i32>(d + (<usize>j << 2), load<i32>(s + (<usize>j << 2)));
    } else {
      memory.copy(d, s, bytes);
    }
  }
}
