// Platform-neutral harness of the WebGPU kernel suite: runs in Node (vitest), Deno and headless
// Chromium (esbuild bundles). It uploads the same float32-rounded inputs to the WebGPU backend
// and, as float64, to the reference backend, and compares norm-wise: ||out - ref|| / ||ref||.
import type { DataHandle } from '../../src/backend/backend.js';
import { ReferenceBackend } from '../../src/backend/reference/reference-backend.js';
import type { WebGPUBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import type { DType, TypedArray } from '../../src/dtype.js';
import { Rng } from '../../src/random.js';

/** Outcome of one comparison. */
export interface CaseResult {
  name: string;
  /** Norm-wise relative error (Infinity when NaN or unwritten poison shows up where the reference has a number). */
  error: number;
  tol: number;
  pass: boolean;
  detail?: string;
}

/** Norm-wise relative error; non-finite values must match exactly (NaN with NaN, Inf with Inf). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; detail?: string } {
  if (a.length !== b.length) return { error: Infinity, detail: `length ${a.length} vs ${b.length}` };
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if ((Number.isNaN(x) && Number.isNaN(y)) || x === y) continue;
      return { error: Infinity, detail: `element ${i}: got ${x}, expected ${y}` };
    }
    num += (x - y) ** 2;
    den += y ** 2;
  }
  return { error: den === 0 ? Math.sqrt(num) : Math.sqrt(num / den) };
}

const F32 = new Float32Array(1);
/** Rounds to float32. */
export const f32 = (v: number): number => {
  F32[0] = v;
  return F32[0];
};

/** One suite run: the two backends, seeded inputs, and the handles to release afterwards. */
export class Harness {
  readonly ref = new ReferenceBackend();
  private readonly owned: { b: 'gpu' | 'ref'; h: DataHandle }[] = [];
  readonly results: CaseResult[] = [];

  constructor(readonly gpu: WebGPUBackend) {}

  /** `n` seeded normal values (transformed), rounded to float32. */
  rand(n: number, seed: number, transform: (v: number) => number = (v) => v): Float64Array {
    const rng = new Rng(seed);
    return Float64Array.from({ length: n }, () => f32(transform(rng.normal())));
  }

  /** `n` seeded integers in [lo, hi). */
  ints(n: number, seed: number, lo: number, hi: number): Int32Array {
    const rng = new Rng(seed);
    return Int32Array.from({ length: n }, () => lo + Math.floor(rng.uniform() * (hi - lo)));
  }

  /** Uploads values to both backends: float data as float32 on the GPU and float64 on the reference. */
  both(values: ArrayLike<number>, dtype: DType = 'float32'): { g: DataHandle; r: DataHandle } {
    const g = this.gpu.upload(dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), dtype);
    // Float inputs are rounded to float32 first, so that both backends see the same numbers.
    const r = this.ref.upload(dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values, Math.fround), dtype === 'int32' ? 'int32' : 'float64');
    return { g: this.own('gpu', g), r: this.own('ref', r) };
  }

  /** Registers a kernel output for release at the end of the case. */
  own<T extends DataHandle>(b: 'gpu' | 'ref', h: T): T {
    this.owned.push({ b, h });
    return h;
  }

  /** Reads the GPU output and compares it with the reference output. */
  async check(name: string, g: DataHandle, r: DataHandle, tol = 1e-5): Promise<CaseResult> {
    this.own('gpu', g);
    this.own('ref', r);
    const got = await this.gpu.read(g);
    // The reference computes in float64; a float32 reference would round its result once.
    const raw = this.ref.readSync(r);
    const want = raw instanceof Float64Array ? raw.map(Math.fround) : raw;
    return this.record(name, got, want, tol);
  }

  /** Compares host arrays (fused kernels against fused-reference.ts). */
  record(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): CaseResult {
    const { error, detail } = relError(got, want);
    const result: CaseResult = { name, error, tol, pass: error < tol, ...(detail ? { detail } : {}) };
    this.results.push(result);
    return result;
  }

  /** Reads a GPU handle (owned). */
  async read(h: DataHandle): Promise<TypedArray> {
    this.own('gpu', h);
    return this.gpu.read(h);
  }

  /** Releases every handle of the case. */
  releaseAll(): void {
    for (const { b, h } of this.owned.splice(0)) (b === 'gpu' ? this.gpu : this.ref).release(h);
  }
}
