/**
 * Collapses a strided walk over `shape` read through one or more stride lists: drops axes of size
 * 1 and merges neighbouring axes that every operand walks contiguously (stride[d] equals
 * stride[d + 1] * shape[d + 1]). Returns at least one axis, so a scalar walk is `[1]` with
 * strides `[0]`. Kernels then run their fast inner loops over the longest possible rows.
 *
 * @example
 * collapseAxes([2, 3, 4], [[12, 4, 1], [0, 0, 1]]); // { shape: [6, 4], strides: [[4, 1], [0, 1]] }
 */
export function collapseAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size);
    if (mergeable) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * Splits `shape` into runs of reduced and kept axes (size-1 axes dropped, neighbours of the same
 * kind merged): the plan of a chain of [outer, r, inner] reduction passes.
 *
 * @example
 * reductionGroups([2, 3, 4, 5], [1, 2]); // [{ size: 2, reduced: false }, { size: 12, reduced: true }, { size: 5, reduced: false }]
 */
export function reductionGroups(
  shape: readonly number[],
  axes: readonly number[],
): { size: number; reduced: boolean }[] {
  const groups: { size: number; reduced: boolean }[] = [];
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const reduced = axes.includes(d);
    const last = groups[groups.length - 1];
    if (last !== undefined && last.reduced === reduced) last.size *= size;
    else groups.push({ size, reduced });
  }
  return groups;
}
