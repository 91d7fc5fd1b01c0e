import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { isFloat, type DType } from '../dtype.js';
import { fail } from '../errors.js';
import { broadcastShapes, reducedAxesOfBroadcast, sameShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { needsRecord, record } from '../autograd/tape.js';
import { engine } from '../engine.js';
import {
  backendOf, checkFloat, checkSameDtype, checkTensor, scalarLike, untracked, withOperand, wrap,
} from './op.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';

/** Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const axes = reducedAxesOfBroadcast(shape, g.shape);
  const s = axes.length > 0 ? sum(g, axes) : g;
  return sameShape(s.shape, shape) ? s : reshape(s, shape);
}

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

function unaryOp(op: UnaryOp, x: Tensor, grad: UnaryGrad | null, floatOnly = true): Tensor {
  checkTensor(op, 'x', x);
  if (floatOnly) checkFloat(op, 'x', x);
  const b = backendOf(op, [x]);
  const y = wrap(b, b.unary(op, x.storage.handle), x.shape);
  return record(op, [x], y, grad && ((g) => [grad(g, x, y)]));
}

/** A 0/1 mask of `cond` computed on values only (no history): masks carry no gradient. */
function mask(fn: () => Tensor): Tensor {
  return untracked(fn);
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** -x */
export function neg(x: Tensor): Tensor { return unaryOp('neg', x, (g) => neg(g), false); }
/** |x|; the gradient at 0 is 0. */
export function abs(x: Tensor): Tensor { return unaryOp('abs', x, (g, x) => mul(g, mask(() => sign(x))), false); }
/** -1, 0 or 1 (NaN for NaN); its gradient is zero. */
export function sign(x: Tensor): Tensor { return unaryOp('sign', x, (g) => mul(g, 0), false); }
/** e^x */
export function exp(x: Tensor): Tensor { return unaryOp('exp', x, (g, _x, y) => mul(g, y)); }
/** Natural logarithm. */
export function log(x: Tensor): Tensor { return unaryOp('log', x, (g, x) => div(g, x)); }
/** log(1 + x), accurate for small x. */
export function log1p(x: Tensor): Tensor { return unaryOp('log1p', x, (g, x) => div(g, add(x, 1))); }
/** Square root. */
export function sqrt(x: Tensor): Tensor { return unaryOp('sqrt', x, (g, _x, y) => div(g, mul(y, 2))); }
/** 1 / sqrt(x). */
export function rsqrt(x: Tensor): Tensor {
  return unaryOp('rsqrt', x, (g, _x, y) => mul(g, mul(pow(y, 3), -0.5)));
}
/** x * x */
export function square(x: Tensor): Tensor { return unaryOp('square', x, (g, x) => mul(g, mul(x, 2)), false); }
/** 1 / x */
export function reciprocal(x: Tensor): Tensor {
  return unaryOp('reciprocal', x, (g, _x, y) => neg(mul(g, square(y))));
}
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x, (g, _x, y) => mul(g, sub(1, square(y))));
}
/** Logistic sigmoid 1 / (1 + e^-x). */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x, (g, _x, y) => mul(g, mul(y, sub(1, y))));
}
/** max(x, 0); the gradient at 0 is 0. */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x, (g, x) => mul(g, mask(() => gt(x, 0))));
}
/**
 * GELU, exact form x * Phi(x) (Phi the standard normal CDF). Without gradient recording it is one
 * fused kernel. With it, y = x * Phi(x) with Phi = normcdf(x) kept for the backward pass, which is
 * then g (Phi + x phi(x)) without another erf: one fused kernel, or (when recording, for gradients
 * of gradients) ops that have gradients themselves. The forms agree to float32 rounding.
 */
export function gelu(x: Tensor): Tensor {
  checkTensor('gelu', 'x', x);
  checkFloat('gelu', 'x', x);
  if (!needsRecord([x])) return unaryOp('gelu', x, null);
  const b = backendOf('gelu', [x]);
  const cdf = normcdf(x);
  const y = wrap(b, b.binary('mul', x.storage.handle, x.shape, cdf.storage.handle, cdf.shape, x.shape), x.shape);
  const node = record('gelu', [x], y, (g) => [engine.gradEnabled
    ? mul(g, add(cdf, mul(x, normpdf(x))))
    : wrap(b, b.geluBackward(g.storage.handle, x.storage.handle, cdf.storage.handle), x.shape)], [cdf]);
  cdf.dispose();   // the node holds it
  return node;
}
/** The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, to float32 rounding in both tails. */
export function normcdf(x: Tensor): Tensor {
  return unaryOp('normcdf', x, (g, x) => mul(g, normpdf(x)));
}
/** The standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi). */
export function normpdf(x: Tensor): Tensor {
  return unaryOp('normpdf', x, (g, x, y) => mul(g, mul(neg(x), y)));
}
/** The error function. */
export function erf(x: Tensor): Tensor {
  return unaryOp('erf', x, (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));
}
/** Sine. */
export function sin(x: Tensor): Tensor { return unaryOp('sin', x, (g, x) => mul(g, cos(x))); }
/** Cosine. */
export function cos(x: Tensor): Tensor { return unaryOp('cos', x, (g, x) => neg(mul(g, sin(x)))); }
/** Rounds down; its gradient is zero. */
export function floor(x: Tensor): Tensor { return unaryOp('floor', x, (g) => mul(g, 0), false); }
/** 1 where x is NaN, else 0. Not differentiable. */
export function isNaN(x: Tensor): Tensor { return unaryOp('isnan', x, null, false); }

/**
 * Clips every value to [lo, hi]. The gradient passes where lo <= x <= hi.
 *
 * @example
 * vm.tensor([-2, 0.5, 3]).clip(0, 1); // [0, 0.5, 1]
 */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  checkTensor('clip', 'x', x);
  if (!(lo <= hi)) fail('VALUE', 'clip', 'hi', `a number >= lo (${lo})`, hi);
  const b = backendOf('clip', [x]);
  const y = wrap(b, b.clip(x.storage.handle, lo, hi), x.shape);
  return record('clip', [x], y, (g) => [mul(g, mask(() => mul(ge(x, lo), le(x, hi))))]);
}

/**
 * Converts to another dtype. float <-> float casts are differentiable; casts to int32 truncate
 * toward zero and are not.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', 'x', x);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    fail('DTYPE', 'cast', 'dtype', "'float32', 'float64' or 'int32'", dtype);
  }
  const b = backendOf('cast', [x]);
  if (!b.supports(dtype)) fail('DTYPE', 'cast', 'dtype', `a dtype the '${b.name}' backend supports`, dtype);
  const y = wrap(b, b.cast(x.storage.handle, dtype), x.shape);
  const differentiable = isFloat(dtype) && isFloat(x.dtype);
  return record('cast', [x], y, differentiable ? (g) => [cast(g, x.dtype)] : null);
}

// ---- binary ---------------------------------------------------------------------------------------

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

function binaryTensors(op: BinaryOp, a: Tensor, b: Tensor, grad: BinaryGrad | null): Tensor {
  checkSameDtype(op, a, b);
  const be = backendOf(op, [a, b]);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const y = wrap(be, be.binary(op, a.storage.handle, a.shape, b.storage.handle, b.shape, shape), shape);
  return record(op, [a, b], y, grad && ((g, needs) => {
    const [ga, gb] = grad(g, a, b, y, needs);
    return [ga && needs[0] ? sumTo(ga, a.shape) : null, gb && needs[1] ? sumTo(gb, b.shape) : null];
  }));
}

/** Applies a binary op where either side may be a number (taken in the other side's dtype). */
function binaryOp(op: BinaryOp, a: Tensor | number, b: Tensor | number, grad: BinaryGrad | null): Tensor {
  if (typeof a === 'number') {
    if (typeof b === 'number') fail('VALUE', op, 'a', 'at least one tensor', a);
    const bt = checkTensor(op, 'b', b);
    const s = scalarLike(a, bt);
    try {
      return binaryTensors(op, s, bt, grad);
    } finally {
      s.dispose();
    }
  }
  const at = checkTensor(op, 'a', a);
  return withOperand(op, b, at, (bt) => binaryTensors(op, at, bt, grad));
}

/** a + b with broadcasting. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('add', a, b, (g) => [g, g]);
}
/** a - b with broadcasting. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('sub', a, b, (g, _a, _b, _y, needs) => [g, needs[1] ? neg(g) : null]);
}
/** a * b with broadcasting. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('mul', a, b, (g, a, b, _y, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null]);
}
/** a / b with broadcasting. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('div', a, b, (g, a, b, _y, needs) => [
    needs[0] ? div(g, b) : null,
    needs[1] ? neg(div(mul(g, a), square(b))) : null,
  ]);
}
/** a ** b with broadcasting. The gradient in b uses log(a) and is NaN for a < 0, as in PyTorch. */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('pow', a, b, (g, a, b, y, needs) => [
    needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
    needs[1] ? mul(g, mul(y, log(a))) : null,
  ]);
}

/** Gradient split of maximum/minimum: the winner takes it, ties share it equally. */
function extremumGrad(g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[], winsA: (a: Tensor, b: Tensor) => Tensor): (Tensor | null)[] {
  const share = mask(() => add(winsA(a, b), mul(eq(a, b), 0.5)));
  return [needs[0] ? mul(g, share) : null, needs[1] ? mul(g, sub(1, share)) : null];
}
/** Elementwise maximum with broadcasting (NaN propagates). */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('maximum', a, b, (g, a, b, _y, needs) => extremumGrad(g, a, b, needs, gt));
}
/** Elementwise minimum with broadcasting (NaN propagates). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return binaryOp('minimum', a, b, (g, a, b, _y, needs) => extremumGrad(g, a, b, needs, lt));
}
/** 1 where a == b else 0, in the inputs' dtype. Not differentiable. */
export function eq(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('eq', a, b, null); }
/** 1 where a != b else 0. Not differentiable. */
export function ne(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('ne', a, b, null); }
/** 1 where a < b else 0. Not differentiable. */
export function lt(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('lt', a, b, null); }
/** 1 where a <= b else 0. Not differentiable. */
export function le(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('le', a, b, null); }
/** 1 where a > b else 0. Not differentiable. */
export function gt(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('gt', a, b, null); }
/** 1 where a >= b else 0. Not differentiable. */
export function ge(a: Tensor | number, b: Tensor | number): Tensor { return binaryOp('ge', a, b, null); }

/**
 * Selects `a` where `cond` is non-zero, else `b`, with broadcasting of all three. Differentiable
 * in `a` and `b`; `cond` carries no gradient.
 *
 * @example
 * vm.where(x.gt(0), x, 0);   // relu
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', 'cond', cond);
  const like = typeof a !== 'number' ? a : typeof b !== 'number' ? b : null;
  if (like === null) fail('VALUE', 'where', 'a', 'at least one of a and b to be a tensor', a);
  return withOperand('where', a, like, (at) => withOperand('where', b, like, (bt) => {
    checkSameDtype('where', at, bt);
    const be = backendOf('where', [cond, at, bt]);
    const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, at.shape), bt.shape);
    const h = be.where(cond.storage.handle, cond.shape, at.storage.handle, at.shape, bt.storage.handle, bt.shape, shape);
    const y = wrap(be, h, shape);
    return record('where', [at, bt], y, (g, needs) => [
      needs[0] ? sumTo(where(cond, g, 0), at.shape) : null,
      needs[1] ? sumTo(where(cond, 0, g), bt.shape) : null,
    ], [cond]);
  }));
}
