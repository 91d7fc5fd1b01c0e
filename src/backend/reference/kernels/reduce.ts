import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import type { ReduceOp } from '../../backend.js';

/** Splits `shape` into the kept shape and, per input axis, the stride in the output (0 if reduced). */
function outputStrides(shape: Shape, axes: readonly number[]): { kept: number[]; strides: number[] } {
  const kept = shape.filter((_, i) => !axes.includes(i));
  const keptStrides = stridesOf(kept);
  let k = 0;
  const strides = shape.map((_, i) => (axes.includes(i) ? 0 : keptStrides[k++]!));
  return { kept, strides };
}

/** Sum, max or min over `axes`. Sums accumulate in float64. Max/min propagate NaN. */
export function reduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], dtype: DType): TypedArray {
  const { kept, strides } = outputStrides(shape, axes);
  const acc = new Float64Array(sizeOf(kept)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (op === 'sum') acc[o] += v;
    else if (Number.isNaN(v) || Number.isNaN(acc[o]!)) acc[o] = NaN;
    else if (op === 'max' ? v > acc[o]! : v < acc[o]!) acc[o] = v;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  const out = allocArray(dtype, acc.length);
  out.set(acc);
  return out;
}

/** Index of the first max (min) along `axis`; NaN counts as the max (min), as in PyTorch. */
export function argReduce(op: 'argmax' | 'argmin', x: TypedArray, shape: Shape, axis: number): Int32Array {
  const outer = sizeOf(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestV = x[o * dim * inner + i]!;
      for (let j = 1; j < dim && !Number.isNaN(bestV); j++) {
        const v = x[(o * dim + j) * inner + i]!;
        if (Number.isNaN(v) || (op === 'argmax' ? v > bestV : v < bestV)) {
          best = j;
          bestV = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}
