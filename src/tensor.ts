import type { Backend, DataHandle, NormOrder } from './backend/backend.js';
import type { GradNode } from './autograd/tape.js';
import type { DType, TypedArray } from './dtype.js';
import { engine } from './engine.js';
import { VarmatError, fail } from './errors.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';
import { backward } from './autograd/grad.js';
import * as ops from './ops/index.js';

/** Backend storage shared by a tensor and its views (reshape, detach). */
export interface Storage {
  readonly handle: DataHandle;
  readonly backend: Backend;
  /** Number of tensors using this storage. */
  refs: number;
}

/** A nested array of numbers, as accepted by `tensor()`. */
export type NestedArray = number | readonly NestedArray[];

/**
 * An immutable n-dimensional array on one backend. Ops return new tensors; `reshape` and `detach`
 * share storage. Memory is deterministic: `dispose()` (or `using`, or `tidy`) frees it.
 *
 * @example
 * const x = vm.tensor([[1, 2], [3, 4]]);
 * const y = x.matmul(x.transpose()).relu().sum();
 * console.log(await y.data());
 */
export class Tensor {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  /** @internal */ readonly storage: Storage;
  /** @internal Handles on this tensor: the user's (until disposed) plus gradient nodes holding it. */
  refs = 1;
  /** @internal True once the user's handle is disposed. */
  userDisposed = false;
  /** @internal How this tensor was made, if recorded on the tape. */
  node: GradNode | null = null;
  /** @internal Name of the non-differentiable op this tensor came from, if its inputs required grad. */
  barrier: string | null = null;
  private leafRequiresGrad = false;
  /** Accumulated gradient of a leaf tensor after `backward()`. */
  grad: Tensor | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(storage: Storage, shape: Shape) {
    this.id = engine.nextId++;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = storage.handle.dtype;
    this.size = sizeOf(shape);
    storage.refs++;
    engine.track(this);
  }

  /** @internal Wraps a fresh kernel result. */
  static fromHandle(backend: Backend, handle: DataHandle, shape: Shape): Tensor {
    return new Tensor({ handle, backend, refs: 0 }, shape);
  }

  get backend(): Backend {
    return this.storage.backend;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to or through this tensor. */
  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.node !== null;
  }

  /** Whether this tensor was made by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Marks a leaf tensor as requiring grad (parameters, attack perturbations) and returns it.
   *
   * @example
   * const w = vm.randn([3, 2], { seed: 1 }).requiresGrad();
   */
  requiresGrad_(flag = true): this {
    if (this.node !== null) {
      throw new VarmatError('GRAD', 'requiresGrad', 'only leaf tensors can be marked; use detach() first');
    }
    if (flag && this.dtype === 'int32') fail('DTYPE', 'requiresGrad', 'tensor', 'a float tensor', 'int32');
    this.leafRequiresGrad = flag;
    return this;
  }

  /** @internal Throws if the tensor can no longer be used. */
  assertUsable(op: string): void {
    if (this.refs <= 0 || (this.userDisposed && !engine.inBackward)) {
      throw new VarmatError('DISPOSED', op, `tensor #${this.id} of shape [${this.shape.join(', ')}] was disposed`);
    }
  }

  /** @internal Another holder of this tensor (a gradient node). */
  retain(): void {
    this.refs++;
  }

  /** @internal Drops one holder; frees storage and history when none is left. */
  release(): void {
    const pending: Tensor[] = [this];
    while (pending.length > 0) {
      const t = pending.pop()!;
      if (--t.refs > 0) continue;
      engine.untrack(t);
      if (--t.storage.refs === 0) t.backend.release(t.storage.handle);
      const node = t.node;
      if (node && !node.freed) {
        // Inline releaseNode so deep graphs unwind without recursion.
        node.freed = true;
        pending.push(...node.inputs, ...node.saved);
        node.inputs = [];
        node.saved = [];
        node.gradFn = null;
      }
      if (t.grad) {
        const g = t.grad;
        t.grad = null;
        if (!g.userDisposed) {
          g.userDisposed = true;
          pending.push(g);
        }
      }
    }
  }

  /** Frees this tensor now (idempotent). Its gradient history stays alive while others need it. */
  dispose(): void {
    if (this.userDisposed) return;
    this.userDisposed = true;
    for (const scope of engine.scopes) scope.delete(this);
    this.release();
  }

  /** Whether `dispose()` was called (or `tidy` disposed it). */
  get isDisposed(): boolean {
    return this.userDisposed;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Reads the values (all backends). */
  async data(): Promise<TypedArray> {
    this.assertUsable('data');
    return this.backend.read(this.storage.handle);
  }

  /** Reads the values synchronously (reference and wasm; a clear error on webgpu). */
  dataSync(): TypedArray {
    this.assertUsable('dataSync');
    return this.backend.readSync(this.storage.handle);
  }

  /** The values as nested arrays (synchronous backends). */
  toArray(): NestedArray {
    const flat = Array.from(this.dataSync());
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return flat[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor (synchronous backends). */
  item(): number {
    if (this.size !== 1) fail('SHAPE', 'item', 'tensor', 'exactly one element', this.shape);
    return this.dataSync()[0];
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.backend.name})`;
  }

  // ---- autodiff ---------------------------------------------------------------------------------
  /** A tensor sharing this one's storage with no history: gradients stop here. */
  detach(): Tensor {
    this.assertUsable('detach');
    return new Tensor(this.storage, this.shape);
  }

  /**
   * Back-propagates from this tensor (a scalar unless `gradOutput` is given), accumulating into
   * the `.grad` of every leaf that requires grad.
   *
   * @example
   * const w = vm.tensor([1, 2]).requiresGrad_();
   * w.square().sum().backward();
   * w.grad!.toArray(); // [2, 4]
   */
  backward(gradOutput?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void {
    backward(this, gradOutput, options);
  }

  // ---- elementwise ------------------------------------------------------------------------------
  add(b: Tensor | number): Tensor { return ops.add(this, b); }
  sub(b: Tensor | number): Tensor { return ops.sub(this, b); }
  mul(b: Tensor | number): Tensor { return ops.mul(this, b); }
  div(b: Tensor | number): Tensor { return ops.div(this, b); }
  pow(b: Tensor | number): Tensor { return ops.pow(this, b); }
  maximum(b: Tensor | number): Tensor { return ops.maximum(this, b); }
  minimum(b: Tensor | number): Tensor { return ops.minimum(this, b); }
  eq(b: Tensor | number): Tensor { return ops.eq(this, b); }
  ne(b: Tensor | number): Tensor { return ops.ne(this, b); }
  lt(b: Tensor | number): Tensor { return ops.lt(this, b); }
  le(b: Tensor | number): Tensor { return ops.le(this, b); }
  gt(b: Tensor | number): Tensor { return ops.gt(this, b); }
  ge(b: Tensor | number): Tensor { return ops.ge(this, b); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  gelu(): Tensor { return ops.gelu(this); }
  normcdf(): Tensor { return ops.normcdf(this); }
  normpdf(): Tensor { return ops.normpdf(this); }
  erf(): Tensor { return ops.erf(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  floor(): Tensor { return ops.floor(this); }
  isNaN(): Tensor { return ops.isNaN(this); }
  clip(lo: number, hi: number): Tensor { return ops.clip(this, lo, hi); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }

  // ---- reductions -------------------------------------------------------------------------------
  sum(axes?: number | number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  max(axes?: number | number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  variance(axes?: number | number[], keepDims = false): Tensor { return ops.variance(this, axes, keepDims); }
  logsumexp(axes?: number | number[], keepDims = false): Tensor { return ops.logsumexp(this, axes, keepDims); }
  argmax(axis = -1): Tensor { return ops.argmax(this, axis); }
  argmin(axis = -1): Tensor { return ops.argmin(this, axis); }

  // ---- shape ------------------------------------------------------------------------------------
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 0): Tensor { return ops.flatten(this, startAxis); }
  transpose(axisA = -2, axisB = -1): Tensor { return ops.transpose(this, axisA, axisB); }
  permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  expandDims(axis: number): Tensor { return ops.expandDims(this, axis); }
  squeeze(axes?: number | number[]): Tensor { return ops.squeeze(this, axes); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor { return ops.pad(this, pads, value); }
  gather(indices: Tensor, axis = 0): Tensor { return ops.gather(this, indices, axis); }

  // ---- linear algebra and nn --------------------------------------------------------------------
  matmul(b: Tensor, options?: ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  rowNorms(p: NormOrder = 2): Tensor { return ops.rowNorms(this, p); }
}
