import type { ReduceOp } from '../backend/backend.js';
import { fail } from '../errors.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { tidy } from '../memory.js';
import { backendOf, checkFloat, checkTensor, untracked, wrap } from './op.js';
import { broadcastTo, reshape } from './movement.js';
import { add, div, eq, exp, log, mul, square, sub } from './elementwise.js';

/** The shape with reduced axes set to 1 (the keepDims shape). */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceOp(op: ReduceOp, x: Tensor, axesArg: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  checkTensor(op, 'x', x);
  const axes = normalizeAxes(op, axesArg, x.rank);
  if (op !== 'sum') {
    for (const a of axes) if (x.shape[a] === 0) fail('SHAPE', op, 'x', `a non-empty axis ${a}`, x.shape);
  }
  const b = backendOf(op, [x]);
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const y0 = wrap(b, b.reduce(op, x.storage.handle, x.shape, axes), outShape);
  const kept = keptShape(x.shape, axes);
  const y = keepDims ? reshape(y0, kept) : y0;
  if (keepDims) y0.dispose();
  return record(op, [x], y, (g) => {
    const gk = reshape(g, kept);
    if (op === 'sum') return [broadcastTo(gk, x.shape)];
    // max/min: the gradient goes to the positions that attain the extremum, shared among ties.
    const winners = untracked(() => {
      const hit = eq(x, reshape(y, kept));
      return div(hit, sum(hit, axes, true));
    });
    return [mul(gk, winners)];
  });
}

/**
 * Sum over `axes` (all by default).
 *
 * @example
 * vm.tensor([[1, 2], [3, 4]]).sum(1); // [3, 7]
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('sum', x, axes, keepDims);
}

/** Mean over `axes` (all by default). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkTensor('mean', 'x', x);
  checkFloat('mean', 'x', x);
  const n = sizeOf(normalizeAxes('mean', axes, x.rank).map((a) => x.shape[a]));
  const s = sum(x, axes, keepDims);
  const y = div(s, n);
  s.dispose();
  return y;
}

/** Maximum over `axes` (all by default); the gradient is shared among tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('max', x, axes, keepDims);
}

/** Minimum over `axes` (all by default); the gradient is shared among tied minima. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('min', x, axes, keepDims);
}

/** Population variance (divides by n) over `axes` (all by default). */
export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat('variance', 'x', checkTensor('variance', 'x', x));
  return tidy(() => mean(square(sub(x, mean(x, axes, true))), axes, keepDims));
}

/** log(sum(exp(x))) over `axes`, computed stably (max-subtracted). */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkFloat('logsumexp', 'x', checkTensor('logsumexp', 'x', x));
  const axisList = normalizeAxes('logsumexp', axes, x.rank);
  // The shift cancels in the gradient, so it is taken without history.
  const m = untracked(() => max(x, axisList, true));
  const y = tidy(() => {
    const s = add(log(sum(exp(sub(x, m)), axisList, true)), m);
    return keepDims ? s : reshape(s, x.shape.filter((_, i) => !axisList.includes(i)));
  });
  m.dispose();
  return y;
}

function argOp(op: 'argmax' | 'argmin', x: Tensor, axis: number): Tensor {
  checkTensor(op, 'x', x);
  const a = normalizeAxis(op, axis, x.rank);
  if (x.rank === 0 || x.shape[a] === 0) fail('SHAPE', op, 'x', 'a non-empty axis', x.shape);
  const b = backendOf(op, [x]);
  const y = wrap(b, b.argReduce(op, x.storage.handle, x.shape, a), x.shape.filter((_, i) => i !== a));
  return record(op, [x], y, null);
}

/** Index (int32) of the first maximum along `axis`. Not differentiable. */
export function argmax(x: Tensor, axis = -1): Tensor {
  return argOp('argmax', x, axis);
}

/** Index (int32) of the first minimum along `axis`. Not differentiable. */
export function argmin(x: Tensor, axis = -1): Tensor {
  return argOp('argmin', x, axis);
}
