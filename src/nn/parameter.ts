import { fail } from '../errors.js';
import { keep } from '../memory.js';
import { Tensor } from '../tensor.js';

/**
 * A trainable tensor owned by a module. Tensors are immutable, so an optimizer step *replaces* the
 * value (`assign`) instead of writing into it; read `param.value` each time you need it rather than
 * holding on to an old one. The value is a leaf that requires grad (unless frozen), so
 * `loss.backward()` accumulates into `param.grad`.
 *
 * @example
 * const p = new vm.nn.Parameter(vm.zeros([3]));
 * p.value.add(1).sum().backward();
 * p.grad!.toArray();   // [1, 1, 1]
 * p.assign(p.value.sub(p.grad!));
 */
export class Parameter {
  private current: Tensor;
  private trainable = true;

  /** Takes ownership of `value` (it is kept out of `tidy` scopes; `dispose()` frees it). */
  constructor(value: Tensor) {
    this.current = Parameter.adopt(value, true);
  }

  private static adopt(value: Tensor, trainable: boolean): Tensor {
    if (!(value instanceof Tensor)) fail('VALUE', 'Parameter', 'value', 'a Tensor', value);
    value.assertUsable('Parameter');
    if (value.dtype === 'int32') fail('DTYPE', 'Parameter', 'value', 'a float tensor', value.dtype);
    const leaf = value.isLeaf ? value : value.detach();
    if (leaf !== value) value.dispose();
    keep(leaf);
    leaf.requiresGrad_(trainable);
    return leaf;
  }

  /** The current value (a leaf tensor). */
  get value(): Tensor {
    return this.current;
  }

  get shape(): readonly number[] {
    return this.current.shape;
  }

  get size(): number {
    return this.current.size;
  }

  /** The gradient accumulated by `backward()`, or null. */
  get grad(): Tensor | null {
    return this.current.grad;
  }

  /** Replaces the gradient (disposing the old one); the new one is owned by the parameter. */
  set grad(g: Tensor | null) {
    const old = this.current.grad;
    if (g === old) return;
    if (g !== null) keep(g);
    this.current.grad = g;
    old?.dispose();
  }

  /** Whether gradients flow to this parameter (false = frozen). */
  get requiresGrad(): boolean {
    return this.trainable;
  }

  set requiresGrad(flag: boolean) {
    this.trainable = flag;
    this.current.requiresGrad_(flag);
  }

  /**
   * Replaces the value with `value` (same shape and dtype), taking ownership of it and disposing
   * the old value and its gradient. A value with history is detached first.
   *
   * @example
   * p.assign(vm.noGrad(() => p.value.mul(0.5)));
   */
  assign(value: Tensor): void {
    if (!(value instanceof Tensor)) fail('VALUE', 'Parameter.assign', 'value', 'a Tensor', value);
    if (value.shape.length !== this.current.shape.length || value.shape.some((d, i) => d !== this.current.shape[i])) {
      fail('SHAPE', 'Parameter.assign', 'value', `shape [${this.current.shape.join(', ')}]`, value.shape);
    }
    if (value === this.current) return;
    const old = this.current;
    this.current = Parameter.adopt(value, this.trainable);
    old.dispose();
  }

  /** Like `assign`, but the new value may have another dtype or backend (used by `Module.to`). */
  replace(value: Tensor): void {
    if (value === this.current) return;
    const old = this.current;
    this.current = Parameter.adopt(value, this.trainable);
    old.dispose();
  }

  /** Frees the gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** Frees the value and its gradient. */
  dispose(): void {
    this.current.dispose();
  }

  get isDisposed(): boolean {
    return this.current.isDisposed;
  }
}
