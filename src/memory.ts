import { engine } from './engine.js';
import { Tensor } from './tensor.js';

/** Anything `tidy` can return: tensors in arrays and plain objects are kept. */
export type TensorContainer = Tensor | void | undefined | null | number | string | boolean
  | readonly TensorContainer[] | { readonly [key: string]: TensorContainer };

function collect(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out);
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in arrays or
 * plain objects) and those passed to `keep`. `fn` must be synchronous.
 *
 * @example
 * const y = vm.tidy(() => x.mul(2).add(1).relu());   // the two intermediates are freed
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  const scope = new Set<Tensor>();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // An exception frees everything the scope made, so errors do not leak memory either.
    for (const t of scope) t.dispose();
    throw e;
  } finally {
    engine.scopes.pop();
  }
  if (result instanceof Promise) {
    throw new TypeError('tidy: fn must be synchronous; await outside tidy');
  }
  const returned = new Set<Tensor>();
  collect(result, returned);
  for (const t of scope) if (!returned.has(t)) t.dispose();
  // Returned tensors now belong to the enclosing scope.
  const parent = engine.scopes[engine.scopes.length - 1];
  if (parent) for (const t of returned) if (!t.isDisposed) parent.add(t);
  return result;
}

/**
 * Exempts a tensor from disposal by the enclosing `tidy` scopes and returns it.
 *
 * @example
 * let w!: vm.Tensor;
 * vm.tidy(() => { w = vm.keep(vm.randn([3], { seed: 0 })); });
 */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of engine.scopes) scope.delete(t);
  return t;
}

/** Disposes every tensor found in `value` (arrays and plain objects are searched). */
export function dispose(value: TensorContainer): void {
  const found = new Set<Tensor>();
  collect(value, found);
  for (const t of found) t.dispose();
}
