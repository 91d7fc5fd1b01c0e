import type { DType } from '../../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';
import { f32Bits } from './elementwise-kernels.js';
import { checkRank, mergeAxes } from './layout.js';

const WG = 256;

/** The 32-bit word of `value` in `dtype` (int32 as the reference stores it: ToInt32). */
export function wordOf(value: number, dtype: DType): number {
  return dtype === 'int32' ? (value | 0) >>> 0 : f32Bits(value);
}

interface MovementFields {
  size: number;
  rank?: number;
  offset?: number;
  value?: number;
  outer?: number;
  dim?: number;
  inner?: number;
  count?: number;
  shape?: readonly number[];
  stride?: readonly number[];
  before?: readonly number[];
  inShape?: readonly number[];
}

function movementUniforms(f: MovementFields): Uint32Array {
  return new UniformWriter()
    .u32(f.size, f.rank ?? 0, f.offset ?? 0, f.value ?? 0, f.outer ?? 0, f.dim ?? 0, f.inner ?? 0, f.count ?? 0)
    .arr8(f.shape ?? []).arr8(f.stride ?? []).arr8(f.before ?? []).arr8(f.inShape ?? [])
    .data();
}

/** New storage of `size` elements equal to `value`. */
export function fill(rt: GpuRuntime, size: number, dtype: DType, value: number): GpuHandle {
  const out = rt.output(dtype, size);
  if (size > 0) rt.fillWords(out.buffer, size, wordOf(value, dtype));
  return out;
}

/** out[i] = x[offset + sum_d i_d strides[d]] (transpose, slice, broadcast), axes merged first. */
export function stridedCopy(rt: GpuRuntime, x: GpuHandle, outShape: Shape, strides: readonly number[], offset: number): GpuHandle {
  const size = sizeOf(outShape);
  const out = rt.output(x.dtype, size);
  const merged = mergeAxes(outShape, [strides]);
  checkRank('stridedCopy', merged.shape.length);
  rt.dispatch({
    family: 'movement',
    entry: 'strided_copy',
    uniforms: movementUniforms({ size, rank: merged.shape.length, offset, shape: merged.shape, stride: merged.strides[0] }),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** Constant padding; unpadded contiguous axes are merged. */
export function pad(rt: GpuRuntime, x: GpuHandle, shape: Shape, pads: readonly (readonly [number, number])[], value: number): GpuHandle {
  const outShape = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const size = sizeOf(outShape);
  const out = rt.output(x.dtype, size);
  // Axes without padding merge with their neighbours when contiguous in both layouts.
  const keep: number[] = [];
  const rankOut: number[] = [];
  const before: number[] = [];
  const inShape: number[] = [];
  const inStrides = stridesOf(shape);
  for (let d = 0; d < shape.length; d++) {
    const padded = pads[d][0] + pads[d][1] > 0;
    const last = rankOut.length - 1;
    if (!padded && last >= 0 && before[last] === 0 && inShape[last] === rankOut[last] && keep[last] === inStrides[d] * shape[d]) {
      rankOut[last] *= shape[d];
      inShape[last] *= shape[d];
      keep[last] = inStrides[d];
      continue;
    }
    rankOut.push(outShape[d]);
    before.push(pads[d][0]);
    inShape.push(shape[d]);
    keep.push(inStrides[d]);
  }
  checkRank('pad', rankOut.length);
  rt.dispatch({
    family: 'movement',
    entry: 'pad',
    uniforms: movementUniforms({ size, rank: rankOut.length, value: wordOf(value, x.dtype), shape: rankOut, stride: keep, before, inShape }),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** Concatenation along `axis`: one copy dispatch per input. */
export function concat(rt: GpuRuntime, xs: readonly { h: GpuHandle; shape: Shape }[], axis: number): GpuHandle {
  const shape0 = xs[0].shape;
  const outer = sizeOf(shape0.slice(0, axis));
  const inner = sizeOf(shape0.slice(axis + 1));
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = rt.output(xs[0].h.dtype, outer * total * inner);
  let at = 0;
  for (const { h, shape } of xs) {
    const dim = shape[axis];
    const size = outer * dim * inner;
    rt.dispatch({
      family: 'movement',
      entry: 'concat_part',
      uniforms: movementUniforms({ size, offset: at, outer, dim, inner, count: total }),
      bindings: [[h.buffer, 'r'], [out.buffer, 'w']],
      groups: size === 0 ? 0 : rt.strideGroups(size, WG),
    });
    at += dim;
  }
  return out;
}

/** index_select along `axis`; an out-of-range index gives zeros and a VALUE error at the next read-back. */
export function gather(rt: GpuRuntime, x: GpuHandle, shape: Shape, indices: GpuHandle, n: number, axis: number): GpuHandle {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const size = outer * n * inner;
  const out = rt.output(x.dtype, size);
  rt.dispatch({
    family: 'movement',
    entry: 'gather',
    uniforms: movementUniforms({ size, outer, dim: shape[axis], inner, count: n }),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w'], [indices.buffer, 'r'], [rt.flags, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** The adjoint of gather without atomics: one invocation per output sums its sources in index order; out-of-range indices are skipped and raise a VALUE error at the next read-back. */
export function scatterAdd(rt: GpuRuntime, g: GpuHandle, indices: GpuHandle, n: number, outShape: Shape, axis: number): GpuHandle {
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const size = sizeOf(outShape);
  const out = rt.output(g.dtype, size);
  rt.dispatch({
    family: 'movement',
    entry: 'scatter_add',
    constants: { IS_INT: g.dtype === 'int32' },
    uniforms: movementUniforms({ size, outer, dim: outShape[axis], inner, count: n }),
    bindings: [[g.buffer, 'r'], [out.buffer, 'w'], [indices.buffer, 'r'], [rt.flags, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** One-hot rows of `depth`; out-of-range indices give zero rows. */
export function oneHot(rt: GpuRuntime, indices: GpuHandle, n: number, depth: number, dtype: DType): GpuHandle {
  const size = n * depth;
  const out = rt.output(dtype, size);
  rt.dispatch({
    family: 'movement',
    entry: 'one_hot',
    uniforms: movementUniforms({ size, dim: depth, value: wordOf(1, dtype) }),
    bindings: [[rt.dummy, 'r'], [out.buffer, 'w'], [indices.buffer, 'r']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}
