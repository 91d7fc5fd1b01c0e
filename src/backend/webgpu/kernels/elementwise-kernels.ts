import type { DType } from '../../../dtype.js';
import { broadcastStrides, sameShape, sizeOf, stridesOf, type Shape } from '../../../shape.js';
import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';
import { checkRank, mergeAxes } from './layout.js';

/** Op codes of shaders/elementwise.wgsl (the `OP` override). */
export const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, sqrt: 6, rsqrt: 7, square: 8, reciprocal: 9,
  tanh: 10, sigmoid: 11, relu: 12, gelu: 13, erf: 14, sin: 15, cos: 16, floor: 17, isnan: 18,
  normcdf: 19, normpdf: 20,
};

export const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
};

const WG = 256;

function elementwiseUniforms(size: number, shape: readonly number[], strides: readonly (readonly number[])[], bounds: readonly number[] = []): Uint32Array {
  const w = new UniformWriter().u32(size, shape.length, 0, 0).arr8(shape);
  for (let k = 0; k < 3; k++) w.arr8(strides[k] ?? []);
  w.u32(...[0, 1, 2, 3].map((i) => bounds[i] ?? 0));
  return w.data();
}

/** Elementwise unary op (float32, or the int32 subset); one invocation per element. */
export function unary(rt: GpuRuntime, op: UnaryOp, x: GpuHandle): GpuHandle {
  const out = rt.output(x.dtype, x.size);
  rt.dispatch({
    family: 'elementwise',
    entry: x.dtype === 'int32' ? 'unary_i32' : 'unary_f32',
    constants: { OP: UNARY_CODE[op] },
    uniforms: elementwiseUniforms(x.size, [], []),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: x.size === 0 ? 0 : rt.strideGroups(x.size, WG),
  });
  return out;
}

/** GELU's gradient g * (cdf + x phi(x)) from the forward pass's normal CDF (same-size operands). */
export function geluBackward(rt: GpuRuntime, g: GpuHandle, x: GpuHandle, cdf: GpuHandle): GpuHandle {
  const out = rt.output(x.dtype, x.size);
  rt.dispatch({
    family: 'elementwise',
    entry: 'gelu_backward',
    uniforms: elementwiseUniforms(x.size, [], []),
    bindings: [[g.buffer, 'r'], [out.buffer, 'w'], [x.buffer, 'r'], [cdf.buffer, 'r']],
    groups: x.size === 0 ? 0 : rt.strideGroups(x.size, WG),
  });
  return out;
}

/** Addressing of a broadcast operand: 0 same index, 1 strided, 2 scalar. */
function modeOf(shape: Shape, outShape: Shape): number {
  if (sizeOf(shape) === 1) return 2;
  if (sameShape(shape, outShape) || (sizeOf(shape) === sizeOf(outShape) && shape.filter((d) => d !== 1).join() === outShape.filter((d) => d !== 1).join())) return 0;
  return 1;
}

/** Merged shape and strides of broadcast operands read as `outShape`. */
function broadcastLayout(op: string, shapes: readonly Shape[], outShape: Shape): { shape: number[]; strides: number[][]; modes: number[] } {
  const modes = shapes.map((s) => modeOf(s, outShape));
  if (modes.every((m) => m !== 1)) return { shape: [], strides: [], modes };
  const merged = mergeAxes(outShape, [stridesOf(outShape), ...shapes.map((s) => broadcastStrides(s, outShape))]);
  checkRank(op, merged.shape.length);
  return { shape: merged.shape, strides: merged.strides.slice(1), modes };
}

/** Broadcasting binary op; operands of the output's shape or of one element skip the index walk. */
export function binary(rt: GpuRuntime, op: BinaryOp, a: GpuHandle, aShape: Shape, b: GpuHandle, bShape: Shape, outShape: Shape): GpuHandle {
  const size = sizeOf(outShape);
  const out = rt.output(a.dtype, size);
  const { shape, strides, modes } = broadcastLayout(op, [aShape, bShape], outShape);
  rt.dispatch({
    family: 'elementwise',
    entry: a.dtype === 'int32' ? 'binary_i32' : 'binary_f32',
    constants: { OP: BINARY_CODE[op], MODE_A: modes[0], MODE_B: modes[1] },
    uniforms: elementwiseUniforms(size, shape, strides),
    bindings: [[a.buffer, 'r'], [out.buffer, 'w'], [b.buffer, 'r']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** Broadcasting select `cond != 0 ? a : b` (NaN conditions select `a`, as in the reference). */
export function where(
  rt: GpuRuntime,
  cond: GpuHandle, condShape: Shape, a: GpuHandle, aShape: Shape, b: GpuHandle, bShape: Shape, outShape: Shape,
): GpuHandle {
  const size = sizeOf(outShape);
  const out = rt.output(a.dtype, size);
  const { shape, strides, modes } = broadcastLayout('where', [condShape, aShape, bShape], outShape);
  rt.dispatch({
    family: 'elementwise',
    entry: 'where_select',
    constants: { MODE_A: modes[0], MODE_B: modes[1], MODE_C: modes[2], COND_INT: cond.dtype === 'int32' },
    uniforms: elementwiseUniforms(size, shape, strides),
    bindings: [[cond.buffer, 'r'], [out.buffer, 'w'], [a.buffer, 'r'], [b.buffer, 'r']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
function f32Bits(v: number): number {
  F32[0] = v;
  return U32[0];
}

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;
const clampI32 = (v: number): number => Math.max(I32_MIN, Math.min(I32_MAX, v));

/** Clip to [lo, hi]; NaN passes through (as in the reference). */
export function clip(rt: GpuRuntime, x: GpuHandle, lo: number, hi: number): GpuHandle {
  const out = rt.output(x.dtype, x.size);
  let bounds: number[];
  if (x.dtype === 'int32') {
    // The reference compares int32 values with the float bounds and stores the bound truncated.
    bounds = [clampI32(Math.ceil(lo)), Math.trunc(lo) | 0, clampI32(Math.floor(hi)), Math.trunc(hi) | 0];
    if (lo === -Infinity) bounds[0] = I32_MIN;
    if (hi === Infinity) bounds[2] = I32_MAX;
  } else {
    bounds = [f32Bits(lo), f32Bits(hi)];
  }
  rt.dispatch({
    family: 'elementwise',
    entry: x.dtype === 'int32' ? 'clip_i32' : 'clip_f32',
    uniforms: elementwiseUniforms(x.size, [], [], bounds),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: x.size === 0 ? 0 : rt.strideGroups(x.size, WG),
  });
  return out;
}

/** dtype conversion with the reference's semantics (float32 -> int32 truncates and wraps like ToInt32). */
export function cast(rt: GpuRuntime, x: GpuHandle, dtype: DType): GpuHandle {
  const out = rt.output(dtype, x.size);
  const entry = x.dtype === dtype ? null : dtype === 'int32' ? 'cast_f32_i32' : 'cast_i32_f32';
  if (entry === null) {
    rt.dispatch({
      family: 'movement',
      entry: 'strided_copy',
      uniforms: new UniformWriter().u32(x.size, 1, 0, 0, 0, 0, 0, 0).arr8([x.size]).arr8([1]).data(),
      bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
      groups: x.size === 0 ? 0 : rt.strideGroups(x.size, WG),
    });
    return out;
  }
  rt.dispatch({
    family: 'elementwise',
    entry,
    uniforms: elementwiseUniforms(x.size, [], []),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: x.size === 0 ? 0 : rt.strideGroups(x.size, WG),
  });
  return out;
}

export { f32Bits };
