import { checkOptions, fail } from '../errors.js';
import { broadcastShapes, sameShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { backendOf, checkFloat, checkSameDtype, checkTensor, wrap } from './op.js';
import { broadcastTo, reshape } from './movement.js';
import { sumTo } from './elementwise.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two axes of `a`. */
  transA?: boolean;
  /** Use the transpose of the last two axes of `b`. */
  transB?: boolean;
}

/**
 * Batched matrix product op(a) @ op(b) over the last two axes, with NumPy broadcasting of the
 * leading (batch) axes. Both operands have rank >= 2.
 *
 * @example
 * vm.matmul(vm.ones([4, 2, 3]), vm.ones([3, 5])).shape;                 // [4, 2, 5]
 * vm.matmul(x, w, { transB: true });                                       // x @ w^T
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, ['transA', 'transB']);
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  checkFloat('matmul', 'a', a);
  checkSameDtype('matmul', a, b);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (a.rank < 2) fail('SHAPE', 'matmul', 'a', 'a tensor of rank >= 2', a.shape);
  if (b.rank < 2) fail('SHAPE', 'matmul', 'b', 'a tensor of rank >= 2', b.shape);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (k !== kb) {
    fail('SHAPE', 'matmul', 'b', `${transB ? 'last' : 'second-to-last'} axis of size ${k} to match a`, b.shape);
  }
  const batchShape = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  // The kernel broadcasts a whole operand (one matrix for all batch entries); other broadcast
  // patterns are materialised first.
  const fit = (t: Tensor): Tensor => {
    const tb = t.shape.slice(0, -2);
    if (sizeOf(tb) === 1 || sameShape(tb, batchShape)) return t;
    return broadcastTo(t, [...batchShape, ...t.shape.slice(-2)]);
  };
  const af = fit(a);
  const bf = fit(b);
  const be = backendOf('matmul', [af, bf]);
  const outShape = [...batchShape, m, n];
  const h = be.matmul(af.storage.handle, bf.storage.handle, {
    batch, m, n, k, transA, transB,
    batchedA: sizeOf(af.shape.slice(0, -2)) === batch && batch > 1,
    batchedB: sizeOf(bf.shape.slice(0, -2)) === batch && batch > 1,
  });
  if (af !== a) af.dispose();
  if (bf !== b) bf.dispose();
  const y = wrap(be, h, outShape);
  return record('matmul', [a, b], y, (g, needs) => {
    // C = op(A) op(B): d op(A) = g op(B)^T and d op(B) = op(A)^T g, written with flags so that no
    // transpose is materialised.
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      ga = transA ? matmul(b, g, { transA: transB, transB: true }) : matmul(g, b, { transB: !transB });
      ga = sumBatch(ga, a.shape);
    }
    if (needs[1]) {
      gb = transB ? matmul(g, a, { transA: true, transB: transA }) : matmul(a, g, { transA: !transA });
      gb = sumBatch(gb, b.shape);
    }
    return [ga, gb];
  });
}

/** Sums a gradient over the batch axes its operand was broadcast along. */
function sumBatch(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const s = sumTo(g, shape);
  g.dispose();
  return s.rank === shape.length ? s : reshape(s, shape);
}
