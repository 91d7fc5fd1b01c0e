import type { Backend, DataHandle } from '../backend/backend.js';
import { isFloat, type DType } from '../dtype.js';
import { engine } from '../engine.js';
import { VarmatError, fail } from '../errors.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Checks that `x` is a live tensor. */
export function checkTensor(op: string, arg: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail('VALUE', op, arg, 'a Tensor', x === null ? 'null' : typeof x);
  x.assertUsable(op);
  return x;
}

/** Checks that all tensors are usable and live on one backend; returns it. */
export function backendOf(op: string, tensors: readonly Tensor[]): Backend {
  const b = tensors[0].backend;
  for (const t of tensors) {
    t.assertUsable(op);
    if (t.backend !== b) {
      throw new VarmatError(
        'BACKEND', op,
        `all tensors must be on one backend, received '${b.name}' and '${t.backend.name}' (move one with toBackend())`,
      );
    }
  }
  return b;
}

export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) fail('DTYPE', op, arg, 'a float32 or float64 tensor', t.dtype);
}

export function checkDtype(op: string, arg: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) fail('DTYPE', op, arg, `a ${dtype} tensor`, t.dtype);
}

export function checkSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    fail('DTYPE', op, 'b', `the dtype of 'a' (${a.dtype}); cast one of them`, b.dtype);
  }
}

export function checkRank(op: string, arg: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) fail('SHAPE', op, arg, `a tensor of rank ${rank}`, t.shape);
}

/** Wraps a kernel result as a new tensor. */
export function wrap(backend: Backend, handle: DataHandle, shape: Shape): Tensor {
  return Tensor.fromHandle(backend, handle, shape);
}

/** A scalar of `like`'s dtype on its backend, for numbers passed where tensors go. */
export function scalarLike(value: number, like: Tensor): Tensor {
  return wrap(like.backend, like.backend.fill(1, like.dtype, value), []);
}

/**
 * Runs `body` with `value` as a tensor (numbers become temporary scalars of `like`'s dtype,
 * disposed afterwards; a gradient node that holds one keeps it alive as long as it needs it).
 */
export function withOperand<T>(op: string, value: Tensor | number, like: Tensor, body: (t: Tensor) => T): T {
  if (typeof value === 'number') {
    const s = scalarLike(value, like);
    try {
      return body(s);
    } finally {
      s.dispose();
    }
  }
  return body(checkTensor(op, 'b', value));
}

/** Runs `fn` with grad recording off (the kernel-level helpers of gradient functions). */
export function untracked<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}
