import type { NormOrder } from '../backend/backend.js';
import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { tidy } from '../memory.js';
import { backendOf, checkFloat, checkTensor, untracked, wrap } from './op.js';
import { abs, div, eq, mul, sign, where } from './elementwise.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';

/**
 * Per-sample norms: the Lp norm (p in 1, 2, Infinity) of each row `x[b]` over all trailing axes,
 * in one pass. This is VARMAT's vulnerability probe: `rowNorms(grad of loss w.r.t. z_m, 2)`.
 * Differentiable (twice, as the regularizer needs); at a zero row the L2 gradient is taken as 0.
 *
 * @example
 * vm.rowNorms(vm.tensor([[3, 4], [1, 0]]), 2); // [5, 1]
 */
export function rowNorms(x: Tensor, p: NormOrder = 2): Tensor {
  checkTensor('rowNorms', 'x', x);
  checkFloat('rowNorms', 'x', x);
  if (p !== 1 && p !== 2 && p !== Infinity) fail('VALUE', 'rowNorms', 'p', '1, 2 or Infinity', p);
  if (x.rank < 1) fail('SHAPE', 'rowNorms', 'x', 'a tensor of rank >= 1 (rows first)', x.shape);
  const rows = x.shape[0];
  const cols = rows === 0 ? 0 : x.size / rows;
  const b = backendOf('rowNorms', [x]);
  const y = wrap(b, b.rowNorms(x.storage.handle, rows, cols, p), [rows]);
  const column = [rows, ...x.shape.slice(1).map(() => 1)];
  return record('rowNorms', [x], y, (g) => [tidy(() => {
    const gc = reshape(g, column);
    if (p === 1) return mul(gc, untracked(() => sign(x)));
    const yc = reshape(y, column);
    if (p === 2) {
      // d||x|| / dx = x / ||x||; rows of zeros get 0.
      const zero = untracked(() => eq(yc, 0));
      return mul(x, where(zero, 0, div(gc, yc)));
    }
    // L-inf: shared among the entries of largest magnitude, with their sign.
    const share = untracked(() => {
      const hit = eq(abs(x), yc);
      return mul(sign(x), div(hit, sum(hit, x.shape.slice(1).map((_, i) => i + 1), true)));
    });
    return mul(gc, share);
  })]);
}
