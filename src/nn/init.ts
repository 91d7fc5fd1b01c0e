import type { BackendName } from '../backend/backend.js';
import { fail } from '../errors.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { full, tensor } from '../ops/creation.js';

/** Options shared by every layer constructor: where the parameters live and how they are drawn. */
export interface LayerOptions {
  /** Generator (or seed) of the initial values; layers without random values ignore it. Default seed 0. */
  rng?: Rng | number;
  /** Parameter dtype (default float32; float64 lives on 'reference'). */
  dtype?: 'float32' | 'float64';
  /** Backend of the parameters (default: the current one). */
  backend?: BackendName;
}

/** The generator of a layer's options (a seed becomes a new generator). */
export function rngOf(op: string, options: LayerOptions | undefined): Rng {
  const r = options?.rng ?? 0;
  if (r instanceof Rng) return r;
  if (typeof r === 'number' && Number.isInteger(r)) return new Rng(r);
  return fail('OPTION', op, 'rng', 'an Rng or an integer seed', r);
}

/**
 * Uniform values in [-bound, bound), drawn from `rng` in row-major order (the same numbers on every
 * backend). PyTorch's default Linear and Conv initialisation is `uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))`
 * for both weight and bias (kaiming_uniform with a = sqrt(5) works out to that bound).
 *
 * @example
 * const w = vm.nn.uniformInit([64, 284], 1 / Math.sqrt(284), new vm.Rng(0));
 */
export function uniformInit(shape: readonly number[], bound: number, rng: Rng, options: LayerOptions = {}): Tensor {
  if (!(bound >= 0)) fail('VALUE', 'uniformInit', 'bound', 'a number >= 0', bound);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = (2 * rng.uniform() - 1) * bound;
  return tensor(values, shape, { dtype: options.dtype ?? 'float32', backend: options.backend });
}

/**
 * Standard normal values (mean 0, std `std`), as PyTorch's `torch.randn` initialises the Perceiver's
 * latent array.
 *
 * @example
 * const latents = vm.nn.normalInit([20, 64], 1, new vm.Rng(0));
 */
export function normalInit(shape: readonly number[], std: number, rng: Rng, options: LayerOptions = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = std * rng.normal();
  return tensor(values, shape, { dtype: options.dtype ?? 'float32', backend: options.backend });
}

/** A constant-filled parameter value (LayerNorm's ones and zeros). */
export function constantInit(shape: readonly number[], value: number, options: LayerOptions = {}): Tensor {
  return full(shape, value, { dtype: options.dtype ?? 'float32', backend: options.backend });
}

/** Checks a layer size argument. */
export function checkSize(op: string, arg: string, v: unknown, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) fail('VALUE', op, arg, `an integer >= ${min}`, v);
  return v as number;
}
