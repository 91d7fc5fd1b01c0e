import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import { broadcastStrides, sizeOf, type Shape } from '../../../shape.js';
import type { BinaryOp, UnaryOp } from '../../backend.js';
import { erf, gelu, normcdf, normpdf } from './special.js';

/** Scalar definitions of the unary ops, in float64. */
export const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : NaN),
  gelu,
  erf,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  normcdf,
  normpdf,
};

/** Scalar definitions of the binary ops; comparisons give 1 or 0. */
export const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  // NaN propagates through maximum/minimum, as in PyTorch.
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

export function unary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray {
  const f = UNARY[op];
  const out = allocArray(dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** GELU's gradient g * (cdf + x * normpdf(x)), in the order of the ops layer's differentiable form. */
export function geluBackward(g: TypedArray, x: TypedArray, cdf: TypedArray, dtype: DType): TypedArray {
  const out = allocArray(dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = g[i]! * (cdf[i]! + x[i]! * normpdf(x[i]!));
  return out;
}

export function clip(x: TypedArray, dtype: DType, lo: number, hi: number): TypedArray {
  const out = allocArray(dtype, x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/**
 * Calls `visit(outIndex, offsets)` for every element of `outShape`, where `offsets[k]` is the flat
 * index into operand k read with `strides[k]`. The shared walk of all broadcasting kernels.
 */
export function forEachBroadcast(
  outShape: Shape,
  strides: readonly (readonly number[])[],
  visit: (i: number, offsets: readonly number[]) => void,
): void {
  const rank = outShape.length;
  const total = sizeOf(outShape);
  const idx = new Array<number>(rank).fill(0);
  const offsets = strides.map(() => 0);
  for (let i = 0; i < total; i++) {
    visit(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < strides.length; k++) offsets[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < strides.length; k++) offsets[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function binary(
  op: BinaryOp,
  a: TypedArray, aShape: Shape,
  b: TypedArray, bShape: Shape,
  outShape: Shape, dtype: DType,
): TypedArray {
  const f = BINARY[op];
  const out = allocArray(dtype, sizeOf(outShape));
  forEachBroadcast(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)], (i, o) => {
    out[i] = f(a[o[0]!]!, b[o[1]!]!);
  });
  return out;
}

export function where(
  cond: TypedArray, condShape: Shape,
  a: TypedArray, aShape: Shape,
  b: TypedArray, bShape: Shape,
  outShape: Shape, dtype: DType,
): TypedArray {
  const out = allocArray(dtype, sizeOf(outShape));
  const strides = [condShape, aShape, bShape].map((s) => broadcastStrides(s, outShape));
  forEachBroadcast(outShape, strides, (i, o) => {
    out[i] = cond[o[0]!] !== 0 ? a[o[1]!]! : b[o[2]!]!;
  });
  return out;
}
