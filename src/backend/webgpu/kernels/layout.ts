import { VarmatError } from '../../../errors.js';
import { stridesOf, type Shape } from '../../../shape.js';

/** The most axes a kernel's uniform block carries after merging. */
export const MAX_RANK = 8;

/**
 * Merges axes so that kernels walk as few as possible: size-1 axes are dropped and an axis is
 * merged into the next when every operand steps through both as through one (stride[d] ==
 * stride[d + 1] * shape[d + 1]). Returns the merged shape and each operand's merged strides.
 */
export function mergeAxes(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
      continue;
    }
    outShape.push(shape[d]);
    strides.forEach((s, k) => outStrides[k].push(s[d]));
  }
  return { shape: outShape, strides: outStrides };
}

/** Throws when a merged walk still has more axes than the kernels carry. */
export function checkRank(op: string, rank: number): void {
  if (rank > MAX_RANK) {
    throw new VarmatError('BACKEND', op, `the webgpu kernels walk at most ${MAX_RANK} non-mergeable axes, received ${rank}`);
  }
}

/** Row-major strides, re-exported for the kernel files. */
export { stridesOf };
