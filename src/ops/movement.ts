import { fail } from '../errors.js';
import { broadcastShapes, broadcastStrides, normalizeAxes, normalizeAxis, sameShape, sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { backendOf, checkDtype, checkTensor, wrap } from './op.js';
import { sumTo } from './elementwise.js';

/**
 * The same values in another shape (one axis may be -1). Shares storage; no copy.
 *
 * @example
 * vm.arange(6).reshape([2, -1]).shape; // [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || !shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0))) {
    fail('SHAPE', 'reshape', 'shape', 'non-negative integers with at most one -1', shape);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (sizeOf(resolved) !== x.size || !resolved.every(Number.isInteger)) {
    fail('SHAPE', 'reshape', 'shape', `a shape of ${x.size} elements (x has shape [${x.shape.join(', ')}])`, shape);
  }
  const y = new Tensor(x.storage, resolved);
  return record('reshape', [x], y, (g) => [reshape(g, x.shape)]);
}

/** Flattens the axes from `startAxis` on into one. */
export function flatten(x: Tensor, startAxis = 0): Tensor {
  checkTensor('flatten', 'x', x);
  const a = x.rank === 0 ? 0 : normalizeAxis('flatten', startAxis, x.rank, 'startAxis');
  return reshape(x, [...x.shape.slice(0, a), sizeOf(x.shape.slice(a))]);
}

/** Inserts a size-1 axis at `axis`. */
export function expandDims(x: Tensor, axis: number): Tensor {
  checkTensor('expandDims', 'x', x);
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes size-1 axes (the given ones, or all). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  checkTensor('squeeze', 'x', x);
  const list = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of list) if (x.shape[a] !== 1) fail('SHAPE', 'squeeze', 'axes', `axes of size 1 (axis ${a} has ${x.shape[a]})`, axes);
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

/** Copies `x` read through `strides` from `offset` into a new tensor of `outShape`. */
function stridedCopy(op: string, x: Tensor, outShape: Shape, strides: readonly number[], offset: number): Tensor {
  const b = backendOf(op, [x]);
  return wrap(b, b.stridedCopy(x.storage.handle, outShape, strides, offset), outShape);
}

/**
 * Reorders axes: output axis i is input axis perm[i].
 *
 * @example
 * vm.zeros([2, 3, 4]).permute([2, 0, 1]).shape; // [4, 2, 3]
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  const p = perm.map((a) => normalizeAxis('permute', a, x.rank, 'perm'));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    fail('VALUE', 'permute', 'perm', `a permutation of ${x.rank} axes`, perm);
  }
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const strides = stridesOf(x.shape);
  const y = stridedCopy('permute', x, p.map((a) => x.shape[a]), p.map((a) => strides[a]), 0);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => { inverse[a] = i; });
  return record('permute', [x], y, (g) => [permute(g, inverse)]);
}

/** Swaps two axes (the last two by default). */
export function transpose(x: Tensor, axisA = -2, axisB = -1): Tensor {
  checkTensor('transpose', 'x', x);
  const a = normalizeAxis('transpose', axisA, x.rank, 'axisA');
  const b = normalizeAxis('transpose', axisB, x.rank, 'axisB');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * A contiguous block starting at `begin` of `size` elements per axis (-1 = to the end; missing
 * trailing axes are taken whole).
 *
 * @example
 * vm.arange(10).slice([2], [3]); // [2, 3, 4]
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor('slice', 'x', x);
  if (begin.length > x.rank) fail('SHAPE', 'slice', 'begin', `at most ${x.rank} entries`, begin);
  const b0 = x.shape.map((d, i) => begin[i] ?? 0);
  const s0 = x.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - b0[i] : s;
  });
  x.shape.forEach((d, i) => {
    if (!Number.isInteger(b0[i]) || !Number.isInteger(s0[i]) || b0[i] < 0 || s0[i] < 0 || b0[i] + s0[i] > d) {
      fail('SHAPE', 'slice', 'begin/size', `a block inside [${x.shape.join(', ')}]`, `begin ${b0[i]}, size ${s0[i]} on axis ${i}`);
    }
  });
  const strides = stridesOf(x.shape);
  const offset = b0.reduce((acc, v, i) => acc + v * strides[i], 0);
  const y = stridedCopy('slice', x, s0, strides, offset);
  return record('slice', [x], y, (g) => [pad(g, x.shape.map((d, i) => [b0[i], d - b0[i] - s0[i]] as const))]);
}

/**
 * Pads each axis with `pads[axis] = [before, after]` elements of `value`.
 *
 * @example
 * vm.ones([2]).pad([[1, 2]]); // [0, 1, 1, 0, 0]
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  checkTensor('pad', 'x', x);
  if (pads.length !== x.rank || !pads.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    fail('SHAPE', 'pad', 'pads', `${x.rank} pairs of non-negative integers`, pads);
  }
  const b = backendOf('pad', [x]);
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const y = wrap(b, b.pad(x.storage.handle, x.shape, pads, value), shape);
  return record('pad', [x], y, (g) => [slice(g, pads.map((p) => p[0]), x.shape)]);
}

/**
 * Joins tensors along an existing axis.
 *
 * @example
 * vm.concat([vm.ones([2, 1]), vm.zeros([2, 3])], 1).shape; // [2, 4]
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const xs: readonly Tensor[] = tensors;
  if (!Array.isArray(tensors) || xs.length === 0) fail('VALUE', 'concat', 'xs', 'a non-empty array of tensors', xs);
  xs.forEach((x, i) => checkTensor('concat', `xs[${i}]`, x));
  const first = xs[0];
  const a = normalizeAxis('concat', axis, first.rank);
  xs.forEach((x, i) => {
    if (x.dtype !== first.dtype) fail('DTYPE', 'concat', `xs[${i}]`, `dtype ${first.dtype}`, x.dtype);
    if (x.rank !== first.rank || x.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      fail('SHAPE', 'concat', `xs[${i}]`, `shape [${first.shape.map((d, j) => (j === a ? '*' : d)).join(', ')}]`, x.shape);
    }
  });
  const b = backendOf('concat', xs);
  const shape = first.shape.map((d, j) => (j === a ? xs.reduce((s, x) => s + x.shape[a], 0) : d));
  const y = wrap(b, b.concat(xs.map((x) => ({ h: x.storage.handle, shape: x.shape })), a), shape);
  return record('concat', [...xs], y, (g, needs) => {
    let at = 0;
    return xs.map((x, i) => {
      const begin = x.shape.map((_, j) => (j === a ? at : 0));
      at += x.shape[a];
      return needs[i] ? slice(g, begin, x.shape) : null;
    });
  });
}

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const xs: readonly Tensor[] = tensors;
  if (!Array.isArray(tensors) || xs.length === 0) fail('VALUE', 'stack', 'xs', 'a non-empty array of tensors', xs);
  xs.forEach((x, i) => {
    checkTensor('stack', `xs[${i}]`, x);
    if (!sameShape(x.shape, xs[0].shape)) fail('SHAPE', 'stack', `xs[${i}]`, `shape [${xs[0].shape.join(', ')}]`, x.shape);
  });
  const a = normalizeAxis('stack', axis, xs[0].rank + 1);
  const expanded = xs.map((x) => expandDims(x, a));
  const y = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return y;
}

/** Repeats size-1 axes (and prepends axes) to reach `shape`, NumPy-style. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const target = broadcastShapes('broadcastTo', shape, x.shape);
  if (!sameShape(target, shape)) fail('SHAPE', 'broadcastTo', 'shape', `a shape that [${x.shape.join(', ')}] broadcasts to`, shape);
  if (sameShape(x.shape, shape)) return reshape(x, shape);
  const y = stridedCopy('broadcastTo', x, shape, broadcastStrides(x.shape, shape), 0);
  return record('broadcastTo', [x], y, (g) => [sumTo(g, x.shape)]);
}

/**
 * Selects entries along `axis` by int32 `indices` (index_select); the output replaces that axis
 * with the indices' shape. Differentiable in `x`.
 *
 * @example
 * vm.tensor([[1, 2], [3, 4], [5, 6]]).gather(vm.tensor([2, 0], undefined, { dtype: 'int32' })); // [[5, 6], [1, 2]]
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkTensor('gather', 'x', x);
  checkTensor('gather', 'indices', indices);
  checkDtype('gather', 'indices', indices, 'int32');
  const a = normalizeAxis('gather', axis, x.rank);
  const b = backendOf('gather', [x, indices]);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const y = wrap(b, b.gather(x.storage.handle, x.shape, indices.storage.handle, indices.size, a), shape);
  return record('gather', [x], y, (g) => [scatterAdd(g, indices, a, x.shape)], [indices]);
}

/**
 * The adjoint of `gather`: a zero tensor of `shape` into which the slices of `g` are added at
 * `indices` along `axis` (repeated indices accumulate).
 */
export function scatterAdd(g: Tensor, indices: Tensor, axis: number, shape: readonly number[]): Tensor {
  checkTensor('scatterAdd', 'g', g);
  checkTensor('scatterAdd', 'indices', indices);
  checkDtype('scatterAdd', 'indices', indices, 'int32');
  const a = normalizeAxis('scatterAdd', axis, shape.length);
  const expected = [...shape.slice(0, a), ...indices.shape, ...shape.slice(a + 1)];
  if (!sameShape(g.shape, expected)) fail('SHAPE', 'scatterAdd', 'g', `shape [${expected.join(', ')}]`, g.shape);
  const b = backendOf('scatterAdd', [g, indices]);
  const y = wrap(b, b.scatterAdd(g.storage.handle, indices.storage.handle, indices.size, shape, a), shape);
  return record('scatterAdd', [g], y, (gg) => [gather(gg, indices, a)], [indices]);
}

/** One-hot rows of length `depth` (float32 by default) from int32 class indices. Not differentiable. */
export function oneHot(indices: Tensor, depth: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  checkTensor('oneHot', 'indices', indices);
  checkDtype('oneHot', 'indices', indices, 'int32');
  if (!Number.isInteger(depth) || depth <= 0) fail('VALUE', 'oneHot', 'depth', 'a positive integer', depth);
  const b = backendOf('oneHot', [indices]);
  return wrap(b, b.oneHot(indices.storage.handle, indices.size, depth, dtype), [...indices.shape, depth]);
}
