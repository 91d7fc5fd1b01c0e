import type { DType, TypedArray } from '../../dtype.js';
import { fail, VarmatError } from '../../errors.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../shape.js';
import type {
  AdamParams, Backend, BinaryOp, Conv2dParams, DataHandle, MatmulParams, NormOrder, Pool2dParams, ReduceOp, UnaryOp,
} from '../backend.js';
import * as ew from '../reference/kernels/elementwise.js';
import * as linalg from '../reference/kernels/linalg.js';
import * as mv from '../reference/kernels/movement.js';
import * as pool from '../reference/kernels/pool.js';
import * as red from '../reference/kernels/reduce.js';
import * as rowsRef from '../reference/kernels/rows.js';
import * as optimRef from '../reference/kernels/optim.js';
import { SizeClassAllocator, type AllocatorStats } from './allocator.js';
import { decodeBase64 } from './base64.js';
import { hasRelaxedSimd, hasWasmSimd } from './features.js';
import { ARGS_BYTES, type KernelExports } from './kernel-exports.js';
import { relaxedThreadsWasm, relaxedWasm, scalarWasm, simdThreadsWasm, simdWasm } from './kernels.generated.js';
import { JOB_GELU_BACKWARD, JOB_MATMUL, JOB_REDUCE, JOB_ROWS, JOB_UNARY, JOB_WALK, ThreadPool, threadsUnavailableReason } from './thread-pool.js';
import { BINARY_CODE, REDUCE_CODE, UNARY_CODE } from './op-codes.js';
import { collapseAxes, reductionGroups } from './strided-layout.js';

/** Which build of the kernels module a backend runs. */
export type WasmVariant = 'scalar' | 'simd' | 'relaxed';

/**
 * Options of `createWasmBackend`. Left out, each feature is used where the runtime validates it;
 * `false` turns it off; `true` demands it (an error where the runtime lacks it).
 */
export interface WasmBackendOptions {
  /** 128-bit SIMD; `false` forces the scalar build. */
  simd?: boolean;
  /** Relaxed SIMD (fused multiply-add); `false` keeps the plain SIMD build. */
  relaxedSimd?: boolean;
  /**
   * Threads for the large kernels (matmul, elementwise, row ops, reductions, strided copies): the
   * calling thread plus `threads - 1` workers (worker_threads in Node; Web Workers in browsers,
   * where the page must be cross-origin isolated, and in Deno) over one shared memory. Results are
   * bit-identical to one thread's. Default 1, or the environment variable VARMAT_WASM_THREADS
   * (`VARMAT_WASM_PARALLEL_MIN=0` also sets both thresholds below to 0). Where threads cannot run
   * (no SharedArrayBuffer, no SIMD, not isolated) the backend is single-threaded and `describe()`
   * says why. Threads pay only on idle cores: on a machine whose other cores are busy they can be
   * slower than one. Call `destroy()` when done (Deno and browsers keep workers alive).
   *
   * @example
   * const wasm = await createWasmBackend({ threads: 2 });
   * wasm.describe();   // '... 2 threads over shared memory ...'
   */
  threads?: number;
  /** Smallest matmul (in FLOPs, 2 m n k per batch entry) that is split over threads (default 1e6). */
  minParallelFlops?: number;
  /** Smallest elementwise, row or reduction kernel (in elements) split over threads (default 32768). */
  minParallelElements?: number;
}

/** An environment variable (Node, Deno with --allow-env); undefined where it cannot be read. */
function envVar(name: string): string | undefined {
  try {
    const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
    return v === '' ? undefined : v;
  } catch {
    return undefined;   // Deno without --allow-env
  }
}

/** VARMAT_WASM_THREADS, else 1. */
function defaultThreads(): number {
  const env = envVar('VARMAT_WASM_THREADS');
  const n = env === undefined ? 1 : Number(env);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** VARMAT_WASM_PARALLEL_MIN (both thresholds; 0 splits every kernel that can be split: tests), else `dflt`. */
function defaultMinimum(dflt: number): number {
  const env = envVar('VARMAT_WASM_PARALLEL_MIN');
  const n = env === undefined ? NaN : Number(env);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
}

/**
 * The order in which a strided copy walks its axes: the first (the split over threads) and the last
 * (the rows) stay; the others go by decreasing input stride, so that the input is read in memory
 * order and the output rows are scattered (faster than gathering scattered input rows).
 */
function walkOrder(inStrides: readonly number[]): number[] {
  const rank = inStrides.length;
  if (rank < 3) return inStrides.map((_, d) => d);
  const middle = inStrides.map((_, d) => d).slice(1, rank - 1);
  middle.sort((a, b) => inStrides[b]! - inStrides[a]!);
  return [0, ...middle, rank - 1];
}

/** Wasm storage: a block of linear memory. */
class WasmData implements DataHandle {
  released = false;
  constructor(readonly dtype: DType, readonly size: number, readonly ptr: number) {}
}

const EMPTY_PTR = 0;

/**
 * Instantiates the kernels module and returns a backend on it. SIMD and relaxed SIMD are
 * detected with `WebAssembly.validate` on tiny modules; without SIMD the scalar build runs.
 *
 * @example
 * const wasm = await createWasmBackend();            // best build this runtime supports
 * const scalar = await createWasmBackend({ simd: false });
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  for (const key of Object.keys(options)) {
    if (!['simd', 'relaxedSimd', 'threads', 'minParallelFlops', 'minParallelElements'].includes(key)) {
      fail('OPTION', 'createWasmBackend', 'options', "only 'simd', 'relaxedSimd', 'threads', 'minParallelFlops', 'minParallelElements'", `unknown option '${key}'`);
    }
  }
  const threads = options.threads ?? defaultThreads();
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    fail('OPTION', 'createWasmBackend', 'options.threads', 'an integer from 1 to 256', threads);
  }
  const minParallelFlops = options.minParallelFlops ?? defaultMinimum(1e6);
  const minParallelElements = options.minParallelElements ?? defaultMinimum(32768);
  for (const [name, v] of [['minParallelFlops', minParallelFlops], ['minParallelElements', minParallelElements]] as const) {
    if (!(typeof v === 'number' && v >= 0)) fail('OPTION', 'createWasmBackend', `options.${name}`, 'a number >= 0', v);
  }
  const simd = options.simd !== false && hasWasmSimd();
  if (options.simd === true && !simd) {
    fail('BACKEND', 'createWasmBackend', 'options.simd', 'a runtime with WebAssembly SIMD', 'no SIMD support');
  }
  const relaxed = simd && options.relaxedSimd !== false && hasRelaxedSimd();
  if (options.relaxedSimd === true && !relaxed) {
    fail('BACKEND', 'createWasmBackend', 'options.relaxedSimd', 'a runtime with relaxed SIMD', 'no relaxed SIMD support');
  }
  const variant: WasmVariant = relaxed ? 'relaxed' : simd ? 'simd' : 'scalar';
  let threadNote = 'single-threaded';
  if (threads > 1) {
    const reason = threadsUnavailableReason() ?? (simd ? null : 'no SIMD build with threads');
    if (reason === null) {
      try {
        const module = await WebAssembly.compile(decodeBase64(relaxed ? relaxedThreadsWasm : simdThreadsWasm));
        const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
        const instance = await WebAssembly.instantiate(module, { env: { memory } });
        const pool = await ThreadPool.create(threads, module, memory);
        return new WasmBackend(instance.exports as unknown as KernelExports, variant, { pool, minParallelFlops, minParallelElements, memory });
      } catch (e) {
        threadNote = `single-threaded (threads failed: ${(e as Error).message})`;
      }
    } else {
      threadNote = `single-threaded (${threads} threads asked: ${reason})`;
    }
  }
  const bytes = decodeBase64(variant === 'relaxed' ? relaxedWasm : variant === 'simd' ? simdWasm : scalarWasm);
  let instance: WebAssembly.Instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes, {}));
  } catch (e) {
    throw new VarmatError('BACKEND', 'createWasmBackend', `could not instantiate the ${variant} kernels: ${String(e)}`);
  }
  return new WasmBackend(instance.exports as unknown as KernelExports, variant, { threadNote });
}

/**
 * The WebAssembly backend: AssemblyScript kernels (SIMD where available) over storage in linear
 * memory, managed by a size-class allocator. float32 and int32; rare kernels and int32 arithmetic
 * run the reference kernels on views of linear memory. Create it with `createWasmBackend`.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  /** The build of the kernels module in use. */
  readonly variant: WasmVariant;
  private readonly k: KernelExports;
  private readonly memory: WebAssembly.Memory;
  private readonly alloc: SizeClassAllocator;
  private readonly args: number;
  private bytes = 0;
  private viewBuffer: ArrayBufferLike | undefined;
  private f32view = new Float32Array(0);
  private i32view = new Int32Array(0);
  private pool: ThreadPool | null;
  private readonly minParallelFlops: number;
  private readonly minParallelElements: number;
  private readonly threadNote: string;

  /** Use `createWasmBackend`; this wraps an instantiated kernels module. */
  constructor(
    kernels: KernelExports, variant: WasmVariant,
    threading: { pool?: ThreadPool; minParallelFlops?: number; minParallelElements?: number; memory?: WebAssembly.Memory; threadNote?: string } = {},
  ) {
    this.k = kernels;
    this.variant = variant;
    this.memory = threading.memory ?? kernels.memory;
    this.pool = threading.pool ?? null;
    this.minParallelFlops = threading.minParallelFlops ?? 1e6;
    this.minParallelElements = threading.minParallelElements ?? 32768;
    this.threadNote = this.pool ? `${this.pool.threads} threads over shared memory` : threading.threadNote ?? 'single-threaded';
    this.args = kernels.argsPtr();
    this.alloc = new SizeClassAllocator(this.memory, kernels.heapBase());
  }

  describe(): string {
    const build = this.variant === 'relaxed'
      ? '128-bit SIMD with relaxed fused multiply-add'
      : this.variant === 'simd' ? '128-bit SIMD' : 'scalar (no SIMD)';
    const heap = (this.memory.buffer.byteLength / 2 ** 20).toFixed(1);
    return `wasm (AssemblyScript, ${build}, ${this.threadNote}; float32 and int32; heap ${heap} MiB)`;
  }

  /** Threads the large kernels run on (1: single-threaded). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Stops the worker threads, if any (the backend stays usable, single-threaded). */
  destroy(): void {
    this.pool?.close();
    this.pool = null;
  }

  supports(dtype: DType): boolean {
    return dtype === 'float32' || dtype === 'int32';
  }

  /** Allocator counters (live blocks include kernel scratch while a kernel runs). */
  allocatorStats(): AllocatorStats {
    return this.alloc.stats();
  }

  // ---- storage and views -----------------------------------------------------------------------

  private checkDtype(op: string, dtype: DType): void {
    if (!this.supports(dtype)) fail('DTYPE', op, 'dtype', "'float32' or 'int32' on the wasm backend", dtype);
  }

  private newData(op: string, dtype: DType, size: number): WasmData {
    this.checkDtype(op, dtype);
    const ptr = size === 0 ? EMPTY_PTR : this.alloc.alloc(size * 4);
    this.bytes += size * 4;
    return new WasmData(dtype, size, ptr);
  }

  private data(h: DataHandle, op = 'wasm'): WasmData {
    if (!(h instanceof WasmData)) fail('BACKEND', op, 'handle', 'storage of the wasm backend', h);
    if (h.released) throw new VarmatError('DISPOSED', op, 'the storage was already released');
    return h;
  }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    if (buf !== this.viewBuffer) {
      this.viewBuffer = buf;
      this.f32view = new Float32Array(buf);
      this.i32view = new Int32Array(buf);
    }
  }

  /** A typed-array view of a handle's storage. Valid until the next allocation. */
  private view(h: WasmData): Float32Array | Int32Array {
    this.refreshViews();
    const start = h.ptr >>> 2;
    return h.dtype === 'int32' ? this.i32view.subarray(start, start + h.size) : this.f32view.subarray(start, start + h.size);
  }

  /** Scratch for a kernel: `fn` gets its address; freed afterwards. */
  private withScratch<T>(bytes: number, fn: (ptr: number) => T): T {
    if (bytes <= 0) return fn(EMPTY_PTR);
    const ptr = this.alloc.alloc(bytes);
    try {
      return fn(ptr);
    } finally {
      this.alloc.free(ptr);
    }
  }

  /** Writes i32 values into the kernels' argument block; returns its address. */
  private writeArgs(values: readonly number[]): number {
    if (values.length * 4 > ARGS_BYTES) {
      fail('SHAPE', 'wasm', 'shape', `at most ${ARGS_BYTES / 16} axes`, values.length);
    }
    this.refreshViews();
    this.i32view.set(values, this.args >>> 2);
    return this.args;
  }

  /** Stores a result computed in TypeScript into new storage. */
  private own(values: TypedArray, dtype: DType, op: string): WasmData {
    const out = this.newData(op, dtype, values.length);
    this.view(out).set(values);
    return out;
  }

  upload(values: TypedArray, dtype: DType): DataHandle {
    return this.own(values, dtype, 'upload');
  }

  fill(size: number, dtype: DType, value: number): DataHandle {
    const out = this.newData('fill', dtype, size);
    this.view(out).fill(value);
    return out;
  }

  async read(h: DataHandle): Promise<TypedArray> {
    return this.readSync(h);
  }

  readSync(h: DataHandle): TypedArray {
    return this.view(this.data(h, 'read')).slice();
  }

  release(h: DataHandle): void {
    const d = this.data(h, 'release');
    d.released = true;
    if (d.ptr !== EMPTY_PTR) this.alloc.free(d.ptr);
    this.bytes -= d.size * 4;
  }

  bytesInUse(): number {
    return this.bytes;
  }

  // ---- elementwise -------------------------------------------------------------------------------

  cast(x: DataHandle, dtype: DType): DataHandle {
    const xd = this.data(x, 'cast');
    const out = this.newData('cast', dtype, xd.size);
    if (xd.dtype === dtype) {
      this.refreshViews();
      new Uint8Array(this.memory.buffer).copyWithin(out.ptr, xd.ptr, xd.ptr + xd.size * 4);
    } else if (dtype === 'int32') {
      this.k.castF32ToI32(xd.ptr, out.ptr, xd.size);
    } else {
      this.k.castI32ToF32(xd.ptr, out.ptr, xd.size);
    }
    return out;
  }

  unary(op: UnaryOp, x: DataHandle): DataHandle {
    const xd = this.data(x, op);
    if (xd.dtype !== 'float32') return this.own(ew.unary(op, this.view(xd), xd.dtype), xd.dtype, op);
    const out = this.newData(op, 'float32', xd.size);
    const split = this.split(xd.size, xd.size);
    if (split) this.parallel([JOB_UNARY, UNARY_CODE[op], xd.ptr, out.ptr, xd.size, split.per], split.chunks, 0);
    else this.k.unary(UNARY_CODE[op], xd.ptr, out.ptr, xd.size);
    return out;
  }

  geluBackward(g: DataHandle, x: DataHandle, cdf: DataHandle): DataHandle {
    const op = 'geluBackward';
    const gd = this.data(g, op);
    const xd = this.data(x, op);
    const cd = this.data(cdf, op);
    if (xd.dtype !== 'float32' || gd.dtype !== 'float32' || cd.dtype !== 'float32') {
      return this.own(ew.geluBackward(this.view(gd), this.view(xd), this.view(cd), xd.dtype), xd.dtype, op);
    }
    const out = this.newData(op, 'float32', xd.size);
    const split = this.split(xd.size, xd.size);
    if (split) this.parallel([JOB_GELU_BACKWARD, gd.ptr, xd.ptr, cd.ptr, out.ptr, xd.size, split.per], split.chunks, 0);
    else this.k.geluBackward(gd.ptr, xd.ptr, cd.ptr, out.ptr, xd.size);
    return out;
  }

  adamStep(param: DataHandle, grad: DataHandle, m: DataHandle, v: DataHandle, p: AdamParams): { param: DataHandle; m: DataHandle; v: DataHandle } {
    const op = 'adamStep';
    const [pd, gd, md, vd] = [this.data(param, op), this.data(grad, op), this.data(m, op), this.data(v, op)];
    if ([pd, gd, md, vd].some((d) => d.dtype !== 'float32')) {
      const r = optimRef.adamStep(this.view(pd), this.view(gd), this.view(md), this.view(vd), p, pd.dtype);
      return { param: this.own(r.param, pd.dtype, op), m: this.own(r.m, pd.dtype, op), v: this.own(r.v, pd.dtype, op) };
    }
    const out = { param: this.newData(op, 'float32', pd.size), m: this.newData(op, 'float32', pd.size), v: this.newData(op, 'float32', pd.size) };
    const wd = p.weightDecay ?? 0;
    const mode = wd === 0 ? 0 : p.decoupled ? 2 : 1;
    // Parameters are small next to activations, and the step is memory-bound: one thread.
    this.k.adamStep(
      pd.ptr, gd.ptr, md.ptr, vd.ptr, out.param.ptr, out.m.ptr, out.v.ptr, pd.size, mode, 1 - p.lr * wd, wd,
      1 - p.beta1, p.beta2, 1 - p.beta2, Math.sqrt(1 - p.beta2 ** p.t), p.eps, p.lr / (1 - p.beta1 ** p.t),
    );
    return out;
  }

  clip(x: DataHandle, lo: number, hi: number): DataHandle {
    const xd = this.data(x, 'clip');
    if (xd.dtype !== 'float32') return this.own(ew.clip(this.view(xd), xd.dtype, lo, hi), xd.dtype, 'clip');
    const out = this.newData('clip', 'float32', xd.size);
    this.k.clip(xd.ptr, out.ptr, xd.size, lo, hi);
    return out;
  }

  binary(op: BinaryOp, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape): DataHandle {
    const ad = this.data(a, op);
    const bd = this.data(b, op);
    if (ad.dtype !== 'float32' || bd.dtype !== 'float32') {
      return this.own(ew.binary(op, this.view(ad), aShape, this.view(bd), bShape, outShape, ad.dtype), ad.dtype, op);
    }
    const size = sizeOf(outShape);
    if (size === 0) return this.newData(op, 'float32', 0);
    const { shape, strides } = collapseAxes(outShape, [
      stridesOf(outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape),
    ]);
    // Arguments first: the block is static, so a later allocation cannot move it.
    const meta = this.writeArgs([...shape, ...strides[1]!, ...strides[2]!, ...shape.map(() => 0)]);
    const out = this.newData(op, 'float32', size);
    const split = this.split(shape[0]!, size);
    if (split) this.parallel([JOB_WALK, 0, BINARY_CODE[op], ad.ptr, bd.ptr, out.ptr, shape.length, meta, split.per, 0], split.chunks, 16 * shape.length);
    else this.k.binary(BINARY_CODE[op], ad.ptr, bd.ptr, out.ptr, shape.length, meta);
    return out;
  }

  where(
    cond: DataHandle, condShape: Shape, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape,
  ): DataHandle {
    const cd = this.data(cond, 'where');
    const ad = this.data(a, 'where');
    const bd = this.data(b, 'where');
    const size = sizeOf(outShape);
    const out = this.newData('where', ad.dtype, size);
    if (size === 0) return out;
    const c = this.view(cd);
    const x = this.view(ad);
    const y = this.view(bd);
    const o = this.view(out);
    if (ad.dtype !== bd.dtype) {
      o.set(ew.where(c, condShape, x, aShape, y, bShape, outShape, ad.dtype));
      return out;
    }
    // Broadcasting walk over collapsed axes; the innermost axis runs as a plain strided loop.
    const { shape, strides } = collapseAxes(outShape, [
      stridesOf(outShape), broadcastStrides(condShape, outShape), broadcastStrides(aShape, outShape),
      broadcastStrides(bShape, outShape),
    ]);
    const rank = shape.length;
    const n = shape[rank - 1]!;
    const [sc, sa, sb] = [strides[1]![rank - 1]!, strides[2]![rank - 1]!, strides[3]![rank - 1]!];
    const idx = new Array<number>(rank).fill(0);
    let [oc, oa, ob] = [0, 0, 0];
    for (let at = 0; at < size; at += n) {
      for (let i = 0; i < n; i++) o[at + i] = c[oc + i * sc] !== 0 ? x[oa + i * sa]! : y[ob + i * sb]!;
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        oc += strides[1]![d]!;
        oa += strides[2]![d]!;
        ob += strides[3]![d]!;
        if (idx[d]! < shape[d]!) break;
        oc -= strides[1]![d]! * shape[d]!;
        oa -= strides[2]![d]! * shape[d]!;
        ob -= strides[3]![d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return out;
  }

  // ---- reductions --------------------------------------------------------------------------------

  reduce(op: ReduceOp, x: DataHandle, shape: Shape, axes: readonly number[]): DataHandle {
    const xd = this.data(x, op);
    if (xd.dtype !== 'float32') return this.own(red.reduce(op, this.view(xd), shape, axes, xd.dtype), xd.dtype, op);
    const outSize = sizeOf(shape.filter((_, i) => !axes.includes(i)));
    if (xd.size === 0 || outSize === 0) {
      const identity = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      return this.fill(outSize, 'float32', xd.size === 0 ? identity : 0);
    }
    const groups = reductionGroups(shape, axes);
    let cur = xd;
    let owned = false;
    // Reduce the innermost reduced run first; its kept neighbours then merge.
    for (;;) {
      let g = -1;
      for (let i = groups.length - 1; i >= 0; i--) {
        if (groups[i]!.reduced) {
          g = i;
          break;
        }
      }
      if (g < 0) break;
      const outer = groups.slice(0, g).reduce((s, q) => s * q.size, 1);
      const r = groups[g]!.size;
      const inner = groups.slice(g + 1).reduce((s, q) => s * q.size, 1);
      const next = this.newData(op, 'float32', outer * inner);
      const split = this.split(outer, outer * r * inner);
      if (split) this.parallel([JOB_REDUCE, REDUCE_CODE[op], cur.ptr, next.ptr, outer, r, inner, split.per], split.chunks, 0);
      else this.k.reduce(REDUCE_CODE[op], cur.ptr, next.ptr, outer, r, inner);
      if (owned) this.release(cur);
      cur = next;
      owned = true;
      groups.splice(g, 1);
      const before = groups[g - 1];
      const after = groups[g];
      if (before !== undefined && after !== undefined && !before.reduced && !after.reduced) {
        before.size *= after.size;
        groups.splice(g, 1);
      }
    }
    return owned ? cur : this.cast(cur, 'float32');
  }

  argReduce(op: 'argmax' | 'argmin', x: DataHandle, shape: Shape, axis: number): DataHandle {
    const xd = this.data(x, op);
    return this.own(red.argReduce(op, this.view(xd), shape, axis), 'int32', op);
  }

  // ---- movement ----------------------------------------------------------------------------------

  stridedCopy(x: DataHandle, outShape: Shape, strides: readonly number[], offset: number): DataHandle {
    const xd = this.data(x, 'stridedCopy');
    const size = sizeOf(outShape);
    if (size === 0) return this.newData('stridedCopy', xd.dtype, 0);
    const { shape, strides: s } = collapseAxes(outShape, [stridesOf(outShape), strides]);
    const order = walkOrder(s[1]!);
    const meta = this.writeArgs([...order.map((d) => shape[d]!), ...order.map((d) => s[1]![d]!), ...order.map((d) => s[0]![d]!), ...shape.map(() => 0)]);
    const out = this.newData('stridedCopy', xd.dtype, size);
    const split = this.split(shape[0]!, size);
    if (split) this.parallel([JOB_WALK, 1, 0, xd.ptr, 0, out.ptr, shape.length, meta, split.per, offset], split.chunks, 16 * shape.length);
    else this.k.stridedCopy(xd.ptr, out.ptr, shape.length, meta, offset);
    return out;
  }

  pad(x: DataHandle, shape: Shape, pads: readonly (readonly [number, number])[], value: number): DataHandle {
    const xd = this.data(x, 'pad');
    const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
    const out = this.newData('pad', xd.dtype, sizeOf(outShape));
    const o = this.view(out);
    o.fill(value);
    if (xd.size === 0) return out;
    const src = this.view(xd);
    const rank = shape.length;
    if (rank === 0) {
      o.set(src);
      return out;
    }
    const outStrides = stridesOf(outShape);
    const rowLen = shape[rank - 1]!;
    const rows = xd.size / rowLen;
    const idx = new Array<number>(rank).fill(0);
    let dst = pads.reduce((s, p, i) => s + p[0] * outStrides[i]!, 0);
    for (let r = 0; r < rows; r++) {
      o.set(src.subarray(r * rowLen, (r + 1) * rowLen), dst);
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        dst += outStrides[d]!;
        if (idx[d]! < shape[d]!) break;
        dst -= outStrides[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return out;
  }

  concat(xs: readonly { h: DataHandle; shape: Shape }[], axis: number): DataHandle {
    const parts = xs.map((x) => ({ d: this.data(x.h, 'concat'), shape: x.shape }));
    const first = parts[0]!;
    const outer = sizeOf(first.shape.slice(0, axis));
    const inner = sizeOf(first.shape.slice(axis + 1));
    const total = parts.reduce((s, p) => s + p.shape[axis]!, 0);
    const out = this.newData('concat', first.d.dtype, outer * total * inner);
    let at = 0;
    for (const p of parts) {
      const block = p.shape[axis]! * inner;
      if (block > 0 && outer > 0) this.k.copyBlocks(p.d.ptr, out.ptr + 4 * at, outer, block, block, total * inner);
      at += block;
    }
    return out;
  }

  gather(x: DataHandle, shape: Shape, indices: DataHandle, indicesSize: number, axis: number): DataHandle {
    const xd = this.data(x, 'gather');
    const id = this.data(indices, 'gather');
    const dim = shape[axis]!;
    const idx = this.view(id);
    for (let j = 0; j < indicesSize; j++) {
      const v = idx[j]!;
      if (!(v >= 0 && v < dim)) {
        throw new VarmatError('VALUE', 'gather', `argument 'indices' expected values in [0, ${dim - 1}], received ${v}`);
      }
    }
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    const out = this.newData('gather', xd.dtype, outer * indicesSize * inner);
    const o = this.view(out);
    const src = this.view(xd);
    const ix = this.view(id);
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < indicesSize; j++) {
        const s = (i * dim + ix[j]!) * inner;
        o.set(src.subarray(s, s + inner), (i * indicesSize + j) * inner);
      }
    }
    return out;
  }

  scatterAdd(g: DataHandle, indices: DataHandle, _indicesSize: number, outShape: Shape, axis: number): DataHandle {
    const gd = this.data(g, 'scatterAdd');
    const id = this.data(indices, 'scatterAdd');
    const result = mv.scatterAdd(this.view(gd), this.view(id) as Int32Array, outShape, axis, gd.dtype);
    return this.own(result, gd.dtype, 'scatterAdd');
  }

  oneHot(indices: DataHandle, size: number, depth: number, dtype: DType): DataHandle {
    const id = this.data(indices, 'oneHot');
    const out = this.newData('oneHot', dtype, size * depth);
    const o = this.view(out);
    o.fill(0);
    const ix = this.view(id);
    for (let i = 0; i < size; i++) {
      const k = ix[i]!;
      if (k >= 0 && k < depth) o[i * depth + k] = 1;
    }
    return out;
  }

  // ---- linear algebra ----------------------------------------------------------------------------

  matmul(a: DataHandle, b: DataHandle, p: MatmulParams): DataHandle {
    const ad = this.data(a, 'matmul');
    const bd = this.data(b, 'matmul');
    if (ad.dtype !== 'float32' || bd.dtype !== 'float32') {
      return this.own(linalg.matmul(this.view(ad), this.view(bd), p, ad.dtype), ad.dtype, 'matmul');
    }
    const out = this.newData('matmul', 'float32', p.batch * p.m * p.n);
    if (out.size === 0) return out;
    if (this.pool !== null && p.k > 0 && 2 * p.batch * p.m * p.n * p.k >= this.minParallelFlops) {
      this.matmulThreaded(this.pool, ad, bd, out, p);
      return out;
    }
    this.withScratch(this.k.gemmScratchBytes(p.m, p.n, p.k) >>> 0, (scratch) => {
      this.k.matmul(
        ad.ptr, bd.ptr, out.ptr, p.batch, p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0,
        p.batchedA ? p.m * p.k : 0, p.batchedB ? p.k * p.n : 0, scratch,
      );
    });
    return out;
  }

  /**
   * Matmul over the thread pool: about four chunks per thread, runs of whole batch entries when
   * there are enough (`per` entries a chunk), else each entry split into row panels (m >= n) or
   * column panels.
   */
  private matmulThreaded(pool: ThreadPool, ad: WasmData, bd: WasmData, out: WasmData, p: MatmulParams): void {
    const target = 4 * pool.threads;
    let splits = 1;
    let byCols = 0;
    let per = 1;
    if (p.batch < target) {
      byCols = p.m >= p.n ? 0 : 1;
      const panels = byCols ? Math.ceil(p.n / 8) : Math.ceil(p.m / 4);
      splits = Math.max(1, Math.min(panels, Math.ceil(target / p.batch)));
    } else {
      per = Math.ceil(p.batch / target);
    }
    const chunks = Math.ceil(p.batch / per) * splits;
    const each = Math.ceil(((this.k.gemmScratchBytes(p.m, p.n, p.k) >>> 0) + 64) / 64) * 64;
    const args = [
      ad.ptr, bd.ptr, out.ptr, p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0,
      p.batchedA ? p.m * p.k : 0, p.batchedB ? p.k * p.n : 0, splits, byCols, p.batch, per,
    ];
    this.withScratch(each * pool.threads, (scratch) => {
      this.refreshViews();
      pool.run([JOB_MATMUL, ...args], chunks, scratch, each, this.k as unknown as Parameters<ThreadPool['run']>[4], this.i32view);
    });
  }

  /**
   * How to split `rows` independent rows (`elements` values in all) over the threads: about four
   * chunks per thread; null when single-threaded or too small to pay for the hand-off.
   */
  private split(rows: number, elements: number): { per: number; chunks: number } | null {
    if (this.pool === null || rows < 2 || elements < this.minParallelElements) return null;
    const per = Math.ceil(rows / Math.min(rows, 4 * this.pool.threads));
    return { per, chunks: Math.ceil(rows / per) };
  }

  /** Runs a job of `chunks` chunks on the pool, with `metaBytes` of per-thread scratch. */
  private parallel(args: number[], chunks: number, metaBytes: number): void {
    const pool = this.pool!;
    const each = Math.ceil(Math.max(metaBytes, 4) / 64) * 64;
    this.withScratch(each * pool.threads, (scratch) => {
      this.refreshViews();
      pool.run(args, chunks, scratch, each, this.k as unknown as Parameters<ThreadPool['run']>[4], this.i32view);
    });
  }

  private convArgs(p: Conv2dParams): number {
    return this.writeArgs([
      p.n, p.inC, p.inH, p.inW, p.outC, p.kH, p.kW, p.strideH, p.strideW, p.padH, p.padW,
      p.dilationH, p.dilationW, p.groups, p.outH, p.outW,
    ]);
  }

  private convRun(
    op: string, size: number, p: Conv2dParams, run: (out: number, params: number, scratch: number) => void,
  ): WasmData {
    const out = this.newData(op, 'float32', size);
    if (size === 0) return out;
    const scratchBytes = this.k.convScratchBytes(this.convArgs(p)) >>> 0;
    this.withScratch(scratchBytes, (scratch) => run(out.ptr, this.convArgs(p), scratch));
    return out;
  }

  conv2d(x: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    const xd = this.data(x, 'conv2d');
    const wd = this.data(w, 'conv2d');
    if (xd.dtype !== 'float32' || wd.dtype !== 'float32') {
      return this.own(linalg.conv2d(this.view(xd), this.view(wd), p, xd.dtype), xd.dtype, 'conv2d');
    }
    return this.convRun('conv2d', p.n * p.outC * p.outH * p.outW, p, (out, params, scratch) => {
      this.k.conv2d(xd.ptr, wd.ptr, out, params, scratch);
    });
  }

  conv2dGradInput(dy: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    const dd = this.data(dy, 'conv2dGradInput');
    const wd = this.data(w, 'conv2dGradInput');
    if (dd.dtype !== 'float32' || wd.dtype !== 'float32') {
      return this.own(linalg.conv2dGradInput(this.view(dd), this.view(wd), p, dd.dtype), dd.dtype, 'conv2dGradInput');
    }
    return this.convRun('conv2dGradInput', p.n * p.inC * p.inH * p.inW, p, (out, params, scratch) => {
      this.k.conv2dGradInput(dd.ptr, wd.ptr, out, params, scratch);
    });
  }

  conv2dGradFilter(x: DataHandle, dy: DataHandle, p: Conv2dParams): DataHandle {
    const xd = this.data(x, 'conv2dGradFilter');
    const dd = this.data(dy, 'conv2dGradFilter');
    if (xd.dtype !== 'float32' || dd.dtype !== 'float32') {
      return this.own(linalg.conv2dGradFilter(this.view(xd), this.view(dd), p, xd.dtype), xd.dtype, 'conv2dGradFilter');
    }
    const size = p.outC * (p.inC / p.groups) * p.kH * p.kW;
    return this.convRun('conv2dGradFilter', size, p, (out, params, scratch) => {
      this.k.conv2dGradFilter(xd.ptr, dd.ptr, out, params, scratch);
    });
  }

  // ---- pooling -----------------------------------------------------------------------------------

  private poolArgs(p: Pool2dParams): number {
    return this.writeArgs([p.n, p.c, p.inH, p.inW, p.kH, p.kW, p.strideH, p.strideW, p.padH, p.padW, p.outH, p.outW]);
  }

  maxPool2d(x: DataHandle, p: Pool2dParams): { values: DataHandle; indices: DataHandle } {
    const xd = this.data(x, 'maxPool2d');
    if (xd.dtype !== 'float32') {
      const r = pool.maxPool2d(this.view(xd), p, xd.dtype);
      return { values: this.own(r.values, xd.dtype, 'maxPool2d'), indices: this.own(r.indices, 'int32', 'maxPool2d') };
    }
    const size = p.n * p.c * p.outH * p.outW;
    const values = this.newData('maxPool2d', 'float32', size);
    const indices = this.newData('maxPool2d', 'int32', size);
    if (size > 0) this.k.maxPool2d(xd.ptr, values.ptr, indices.ptr, this.poolArgs(p));
    return { values, indices };
  }

  avgPool2d(x: DataHandle, p: Pool2dParams): DataHandle {
    const xd = this.data(x, 'avgPool2d');
    if (xd.dtype !== 'float32') return this.own(pool.avgPool2d(this.view(xd), p, xd.dtype), xd.dtype, 'avgPool2d');
    const out = this.newData('avgPool2d', 'float32', p.n * p.c * p.outH * p.outW);
    if (out.size > 0) this.k.avgPool2d(xd.ptr, out.ptr, this.poolArgs(p));
    return out;
  }

  avgPool2dBackward(dy: DataHandle, p: Pool2dParams): DataHandle {
    const dd = this.data(dy, 'avgPool2dBackward');
    if (dd.dtype !== 'float32') {
      return this.own(pool.avgPool2dBackward(this.view(dd), p, dd.dtype), dd.dtype, 'avgPool2dBackward');
    }
    const out = this.newData('avgPool2dBackward', 'float32', p.n * p.c * p.inH * p.inW);
    if (out.size > 0) this.k.avgPool2dBackward(dd.ptr, out.ptr, this.poolArgs(p));
    return out;
  }

  // ---- fused row ops -----------------------------------------------------------------------------

  softmax(x: DataHandle, rows: number, cols: number): DataHandle {
    const xd = this.data(x, 'softmax');
    if (xd.dtype !== 'float32') return this.own(rowsRef.softmax(this.view(xd), rows, cols, xd.dtype), xd.dtype, 'softmax');
    const out = this.newData('softmax', 'float32', rows * cols);
    const split = this.split(rows, rows * cols);
    if (split) this.parallel([JOB_ROWS, 0, xd.ptr, out.ptr, rows, cols, split.per], split.chunks, 0);
    else this.k.softmax(xd.ptr, out.ptr, rows, cols);
    return out;
  }

  logSoftmax(x: DataHandle, rows: number, cols: number): DataHandle {
    const xd = this.data(x, 'logSoftmax');
    if (xd.dtype !== 'float32') {
      return this.own(rowsRef.logSoftmax(this.view(xd), rows, cols, xd.dtype), xd.dtype, 'logSoftmax');
    }
    const out = this.newData('logSoftmax', 'float32', rows * cols);
    const split = this.split(rows, rows * cols);
    if (split) this.parallel([JOB_ROWS, 1, xd.ptr, out.ptr, rows, cols, split.per], split.chunks, 0);
    else this.k.logSoftmax(xd.ptr, out.ptr, rows, cols);
    return out;
  }

  layerNorm(x: DataHandle, gamma: DataHandle, beta: DataHandle, rows: number, cols: number, eps: number): DataHandle {
    const xd = this.data(x, 'layerNorm');
    const gd = this.data(gamma, 'layerNorm');
    const bd = this.data(beta, 'layerNorm');
    if (xd.dtype !== 'float32' || gd.dtype !== 'float32' || bd.dtype !== 'float32') {
      const r = rowsRef.layerNorm(this.view(xd), this.view(gd), this.view(bd), rows, cols, eps, xd.dtype);
      return this.own(r, xd.dtype, 'layerNorm');
    }
    const out = this.newData('layerNorm', 'float32', rows * cols);
    const split = this.split(rows, rows * cols);
    if (split) {
      const words = new Int32Array(new Float64Array([eps]).buffer);
      this.parallel([JOB_ROWS, 2, xd.ptr, out.ptr, rows, cols, split.per, gd.ptr, bd.ptr, words[0]!, words[1]!], split.chunks, 0);
    } else {
      this.k.layerNorm(xd.ptr, gd.ptr, bd.ptr, out.ptr, rows, cols, eps);
    }
    return out;
  }

  layerNormBackward(x: DataHandle, gamma: DataHandle, g: DataHandle, rows: number, cols: number, eps: number): [DataHandle, DataHandle] {
    const op = 'layerNormBackward';
    const xd = this.data(x, op);
    const gmd = this.data(gamma, op);
    const gd = this.data(g, op);
    if (xd.dtype !== 'float32' || gmd.dtype !== 'float32' || gd.dtype !== 'float32') {
      const [dx, gxhat] = rowsRef.layerNormBackward(this.view(xd), this.view(gmd), this.view(gd), rows, cols, eps, xd.dtype);
      return [this.own(dx, xd.dtype, op), this.own(gxhat, xd.dtype, op)];
    }
    const dx = this.newData(op, 'float32', rows * cols);
    const gxhat = this.newData(op, 'float32', rows * cols);
    const split = this.split(rows, rows * cols);
    if (split) {
      const words = new Int32Array(new Float64Array([eps]).buffer);
      this.parallel([JOB_ROWS, 4, xd.ptr, dx.ptr, rows, cols, split.per, gmd.ptr, gd.ptr, words[0]!, words[1]!, gxhat.ptr], split.chunks, 0);
    } else {
      this.k.layerNormBackward(xd.ptr, gmd.ptr, gd.ptr, dx.ptr, gxhat.ptr, rows, cols, eps);
    }
    return [dx, gxhat];
  }

  rowNorms(x: DataHandle, rows: number, cols: number, p: NormOrder): DataHandle {
    const xd = this.data(x, 'rowNorms');
    if (xd.dtype !== 'float32') return this.own(rowsRef.rowNorms(this.view(xd), rows, cols, p, xd.dtype), xd.dtype, 'rowNorms');
    const out = this.newData('rowNorms', 'float32', rows);
    const code = p === 1 ? 1 : p === 2 ? 2 : 0;
    const split = this.split(rows, rows * cols);
    if (split) this.parallel([JOB_ROWS, 3, xd.ptr, out.ptr, rows, cols, split.per, 0, 0, 0, 0, code], split.chunks, 0);
    else this.k.rowNorms(xd.ptr, out.ptr, rows, cols, code);
    return out;
  }
}
