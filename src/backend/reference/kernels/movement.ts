import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import { VarmatError } from '../../../errors.js';
import { forEachBroadcast } from './elementwise.js';

export function stridedCopy(
  x: TypedArray, outShape: Shape, strides: readonly number[], offset: number, dtype: DType,
): TypedArray {
  const out = allocArray(dtype, sizeOf(outShape));
  forEachBroadcast(outShape, [strides], (i, o) => {
    out[i] = x[offset + o[0]];
  });
  return out;
}

export function pad(
  x: TypedArray, shape: Shape, pads: readonly (readonly [number, number])[], value: number, dtype: DType,
): TypedArray {
  const outShape = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out = allocArray(dtype, sizeOf(outShape)).fill(value);
  const outStrides = stridesOf(outShape);
  const start = pads.reduce((s, p, i) => s + p[0] * outStrides[i], 0);
  forEachBroadcast(shape, [outStrides], (i, o) => {
    out[start + o[0]] = x[i];
  });
  return out;
}

export function concat(xs: readonly { data: TypedArray; shape: Shape }[], axis: number, dtype: DType): TypedArray {
  const shape0 = xs[0].shape;
  const outer = sizeOf(shape0.slice(0, axis));
  const inner = sizeOf(shape0.slice(axis + 1));
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = allocArray(dtype, outer * total * inner);
  let at = 0;
  for (const { data, shape } of xs) {
    const block = shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(data.subarray(o * block, (o + 1) * block), o * total * inner + at);
    at += block;
  }
  return out;
}

function checkIndex(op: string, index: number, dim: number): void {
  if (!(index >= 0 && index < dim)) {
    throw new VarmatError('VALUE', op, `argument 'indices' expected values in [0, ${dim - 1}], received ${index}`);
  }
}

export function gather(x: TypedArray, shape: Shape, indices: Int32Array, axis: number, dtype: DType): TypedArray {
  const outer = sizeOf(shape.slice(0, axis));
  const dim = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const n = indices.length;
  const out = allocArray(dtype, outer * n * inner);
  for (let j = 0; j < n; j++) checkIndex('gather', indices[j], dim);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const src = (o * dim + indices[j]) * inner;
      out.set(x.subarray(src, src + inner), (o * n + j) * inner);
    }
  }
  return out;
}

export function scatterAdd(g: TypedArray, indices: Int32Array, outShape: Shape, axis: number, dtype: DType): TypedArray {
  const outer = sizeOf(outShape.slice(0, axis));
  const dim = outShape[axis];
  const inner = sizeOf(outShape.slice(axis + 1));
  const n = indices.length;
  const acc = new Float64Array(outer * dim * inner);
  for (let j = 0; j < n; j++) checkIndex('scatterAdd', indices[j], dim);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const dst = (o * dim + indices[j]) * inner;
      const src = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) acc[dst + i] += g[src + i];
    }
  }
  const out = allocArray(dtype, acc.length);
  out.set(acc);
  return out;
}

export function oneHot(indices: Int32Array, depth: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, indices.length * depth);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (k >= 0 && k < depth) out[i * depth + k] = 1;
  }
  return out;
}
