import type { BackendName } from '../backend/backend.js';
import { DTYPES, allocArray, isFloat, type DType, type TypedArray } from '../dtype.js';
import { engine } from '../engine.js';
import { checkOptions, fail } from '../errors.js';
import { Rng } from '../random.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { wrap } from './op.js';

/** Options of the creation functions. */
export interface CreateOptions {
  /** Element type; float32 by default. */
  dtype?: DType;
  /** Backend to create on; the current one by default. */
  backend?: BackendName;
}

const CREATE_KEYS = ['dtype', 'backend'] as const;

function resolve(op: string, options: CreateOptions | undefined, extra: readonly string[] = []): { dtype: DType; backend: ReturnType<typeof engine.backend> } {
  checkOptions(op, options, [...CREATE_KEYS, ...extra]);
  const dtype = options?.dtype ?? 'float32';
  if (!DTYPES.includes(dtype)) fail('DTYPE', op, 'dtype', "'float32', 'float64' or 'int32'", dtype);
  const backend = options?.backend ? engine.backend(options.backend) : engine.current;
  if (!backend.supports(dtype)) {
    fail('DTYPE', op, 'dtype', `a dtype the '${backend.name}' backend supports (float64 lives on 'reference')`, dtype);
  }
  return { dtype, backend };
}

function flattenNested(op: string, value: NestedArray, shape: number[], out: number[], depth: number): void {
  if (typeof value === 'number') {
    if (depth !== shape.length) fail('SHAPE', op, 'values', 'a regular nested array', `a number at depth ${depth}`);
    out.push(value);
    return;
  }
  if (!Array.isArray(value)) fail('VALUE', op, 'values', 'numbers or nested arrays of numbers', value);
  if (depth === shape.length) shape.push(value.length);
  else if (shape[depth] !== value.length) {
    fail('SHAPE', op, 'values', `a regular nested array (length ${shape[depth]} at depth ${depth})`, `length ${value.length}`);
  }
  for (const v of value) flattenNested(op, v, shape, out, depth + 1);
}

/**
 * A tensor from values: a number, nested arrays, or a flat array / typed array with a `shape`.
 *
 * @example
 * vm.tensor([[1, 2], [3, 4]]);                                  // float32 [2, 2]
 * vm.tensor(new Float32Array(6), [2, 3]);
 * vm.tensor([0, 2, 1], undefined, { dtype: 'int32' });         // labels
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: readonly number[], options?: CreateOptions): Tensor {
  const { dtype, backend } = resolve('tensor', options);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
  } else if (typeof values === 'number' || Array.isArray(values)) {
    const out: number[] = [];
    inferred = [];
    flattenNested('tensor', values as NestedArray, inferred, out, 0);
    flat = out;
  } else {
    fail('VALUE', 'tensor', 'values', 'a number, nested arrays or a typed array', values);
  }
  const finalShape = shape === undefined ? inferred : [...checkShape('tensor', 'shape', shape)];
  if (sizeOf(finalShape) !== flat.length) {
    fail('SHAPE', 'tensor', 'shape', `a shape of ${flat.length} elements`, finalShape);
  }
  const arr: TypedArray = allocArray(dtype, flat.length);
  arr.set(flat);
  return wrap(backend, backend.upload(arr, dtype), finalShape);
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * vm.full([2, 2], 7);
 */
export function full(shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  const { dtype, backend } = resolve('full', options);
  const s = checkShape('full', 'shape', shape);
  return wrap(backend, backend.fill(sizeOf(s), dtype, value), s);
}

/** Zeros of `shape`. */
export function zeros(shape: readonly number[], options?: CreateOptions): Tensor {
  return full(shape, 0, options);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], options?: CreateOptions): Tensor {
  return full(shape, 1, options);
}

/** A tensor like `x` (shape, dtype, backend) filled with `value`. */
export function fullLike(x: Tensor, value: number): Tensor {
  return wrap(x.backend, x.backend.fill(x.size, x.dtype, value), x.shape);
}

/** Zeros like `x`. */
export function zerosLike(x: Tensor): Tensor {
  return fullLike(x, 0);
}

/** Ones like `x`. */
export function onesLike(x: Tensor): Tensor {
  return fullLike(x, 1);
}

/**
 * start, start + step, ... below `stop` (one argument: 0..n-1).
 *
 * @example
 * vm.arange(5);            // [0, 1, 2, 3, 4]
 * vm.arange(1, 2, 0.25);   // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, stop?: number, step = 1, options?: CreateOptions): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (!(step !== 0 && Number.isFinite(step))) fail('VALUE', 'arange', 'step', 'a finite non-zero number', step);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const values = Array.from({ length: n }, (_, i) => from + i * step);
  return tensor(values, [n], options);
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Seed or generator (required: randomness is always explicit). */
  seed?: number;
  rng?: Rng;
}

function rngOf(op: string, options: RandomOptions | undefined): Rng {
  if (options?.rng instanceof Rng) return options.rng;
  if (options?.seed !== undefined) return new Rng(options.seed);
  return fail('OPTION', op, 'options', "a 'seed' or an 'rng' (randomness is always explicit)", options ?? 'none');
}

function randomTensor(op: string, shape: readonly number[], options: RandomOptions | undefined, draw: (rng: Rng) => number, extra: readonly string[] = []): Tensor {
  const { dtype } = resolve(op, options, ['seed', 'rng', ...extra]);
  if (!isFloat(dtype)) fail('DTYPE', op, 'dtype', 'a float dtype', dtype);
  const rng = rngOf(op, options);
  const s = checkShape(op, 'shape', shape);
  const values = new Float64Array(sizeOf(s));
  for (let i = 0; i < values.length; i++) values[i] = draw(rng);
  return tensor(values, s, { dtype, backend: options?.backend });
}

/**
 * Normal samples (mean 0, std 1 unless given), drawn on the host from a seeded generator so every
 * backend gets the same numbers.
 *
 * @example
 * vm.randn([2, 3], { seed: 1 });
 */
export function randn(shape: readonly number[], options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const mean = options?.mean ?? 0;
  const std = options?.std ?? 1;
  return randomTensor('randn', shape, options, (r) => mean + std * r.normal(), ['mean', 'std']);
}

/**
 * Uniform samples in [low, high) (default [0, 1)), from a seeded generator.
 *
 * @example
 * vm.rand([4], { seed: 3, low: -1, high: 1 });
 */
export function rand(shape: readonly number[], options?: RandomOptions & { low?: number; high?: number }): Tensor {
  const low = options?.low ?? 0;
  const high = options?.high ?? 1;
  if (!(high > low)) fail('VALUE', 'rand', 'high', `a number > low (${low})`, high);
  return randomTensor('rand', shape, options, (r) => low + (high - low) * r.uniform(), ['low', 'high']);
}

function targetFor(op: string, x: Tensor, name: BackendName): ReturnType<typeof engine.backend> {
  x.assertUsable(op);
  const target = engine.backend(name);
  if (!target.supports(x.dtype)) fail('DTYPE', op, 'x', `a dtype the '${name}' backend supports`, x.dtype);
  return target;
}

/**
 * Copies `x` to another backend (values only; no history). Synchronous, so the source must be a
 * synchronous backend (reference, wasm); from webgpu use `toBackendAsync`.
 *
 * @example
 * const onRef = vm.toBackend(x, 'reference');
 */
export function toBackend(x: Tensor, name: BackendName): Tensor {
  const target = targetFor('toBackend', x, name);
  return wrap(target, target.upload(x.dataSync(), x.dtype), x.shape);
}

/**
 * Copies `x` to another backend from any backend, reading it back asynchronously.
 *
 * @example
 * const onWasm = await vm.toBackendAsync(gpuTensor, 'wasm');
 */
export async function toBackendAsync(x: Tensor, name: BackendName): Promise<Tensor> {
  const target = targetFor('toBackendAsync', x, name);
  const values = await x.data();
  return wrap(target, target.upload(values, x.dtype), x.shape);
}

export type { Shape };
