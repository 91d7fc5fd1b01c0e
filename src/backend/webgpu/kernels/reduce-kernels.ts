import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import type { ReduceOp } from '../../backend.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';
import { checkRank } from './layout.js';
import { stridedCopy } from './movement-kernels.js';

const OP_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };
const WG = 64;

/** Splits the axes into kept and reduced runs, merging neighbours of the same kind. */
function splitAxes(shape: Shape, axes: readonly number[]): { kept: [number[], number[]]; red: [number[], number[]] } {
  const strides = stridesOf(shape);
  const kept: [number[], number[]] = [[], []];
  const red: [number[], number[]] = [[], []];
  let lastKind: 'k' | 'r' | null = null;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const kind = axes.includes(d) ? 'r' : 'k';
    const [sh, st] = kind === 'r' ? red : kept;
    if (kind === lastKind) {
      // Row-major: the previous axis of this run is contiguous with this one.
      sh[sh.length - 1] *= shape[d];
      st[st.length - 1] = strides[d];
    } else {
      sh.push(shape[d]);
      st.push(strides[d]);
    }
    lastKind = kind;
  }
  return { kept, red };
}

/** Sum / max / min over `axes`: an invocation per output for short reductions, a workgroup per output for long ones. */
export function reduce(rt: GpuRuntime, op: ReduceOp, x: GpuHandle, shape: Shape, axes: readonly number[]): GpuHandle {
  const outSize = sizeOf(shape.filter((_, i) => !axes.includes(i)));
  if (axes.length === 0) return stridedCopy(rt, x, [x.size], [1], 0);
  const redSize = sizeOf(axes.map((a) => shape[a]));
  const out = rt.output(x.dtype, outSize);
  const { kept, red } = splitAxes(shape, axes);
  checkRank('reduce', kept[0].length);
  checkRank('reduce', red[0].length);
  const uniforms = new UniformWriter()
    .u32(outSize, redSize, kept[0].length, red[0].length)
    .arr8(kept[0]).arr8(kept[1]).arr8(red[0]).arr8(red[1])
    .u32(0, 0, 0, 0)
    .data();
  // Long reductions over few outputs get a workgroup each; the rest an invocation each.
  const perGroup = redSize >= 256 || (redSize >= 32 && outSize < 1024);
  rt.dispatch({
    family: 'reduce',
    entry: perGroup ? 'reduce_group' : 'reduce_thread',
    constants: { OP: OP_CODE[op], IS_INT: x.dtype === 'int32' },
    uniforms,
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: outSize === 0 ? 0 : perGroup ? outSize : Math.ceil(outSize / WG),
  });
  return out;
}

/** argmax / argmin along one axis (first index wins ties, NaN wins outright). */
export function argReduce(rt: GpuRuntime, op: 'argmax' | 'argmin', x: GpuHandle, shape: Shape, axis: number): GpuHandle {
  const outer = sizeOf(shape.slice(0, axis));
  const dim = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const out = rt.output('int32', outer * inner);
  const uniforms = new UniformWriter()
    .u32(0, 0, 0, 0).arr8([]).arr8([]).arr8([]).arr8([])
    .u32(outer, dim, inner, 0)
    .data();
  rt.dispatch({
    family: 'reduce',
    entry: 'arg_reduce',
    constants: { OP: op === 'argmax' ? 1 : 2, IS_INT: x.dtype === 'int32' },
    uniforms,
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: outer * inner === 0 ? 0 : Math.ceil((outer * inner) / WG),
  });
  return out;
}
