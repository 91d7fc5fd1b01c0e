/**
 * Worker threads for the WebAssembly kernels: each worker instantiates the same kernels module on
 * the one shared `WebAssembly.Memory`, then sleeps on a control block (a SharedArrayBuffer) until
 * the main thread posts a job. A job is a number of independent chunks (parts of one kernel call
 * that write disjoint outputs). Each participant has a home range of the chunks (the same share of
 * every kernel's output, so that it finds the data it wrote in its own cache); it takes chunks from
 * its range's shared counter, then from the others', until none are left, so a worker that wakes
 * late (a busy machine) only means the main thread does more of them. Each counter carries the job's
 * tag (high 16 bits; the next chunk in the low 16): a worker reads the job's arguments between
 * reading a counter and claiming a chunk with
 * compare-and-swap, so a claim succeeds only while that job is open and its arguments are the ones
 * the worker read. A late worker never runs a chunk of a later job with stale arguments, and the
 * call returns as soon as every chunk is done, without waiting for idle workers.
 *
 * Node: `worker_threads`. Browsers and Deno: module Web Workers from a Blob URL; a page must be
 * cross-origin isolated for SharedArrayBuffer. On a browser's main thread, where Atomics.wait is
 * not allowed, the main thread spins while it waits for the last chunks.
 */

import { VarmatError } from '../../errors.js';

// Slots of the control block (Int32Array). Slots that different threads write often sit on
// cache lines of their own (16 slots = 64 bytes), so that a claim does not stall on another's.
const GEN = 0;       // tag of the current job (16 bits); workers sleep on it
const PARTS = 2;     // participants: the calling thread and the workers
const SLEEPERS = 4;  // workers asleep in Atomics.wait (a job notifies only when there are some)
const CHUNKS = 5;    // chunks of the current job (< 65536)
const STOP = 6;      // 1: workers exit
const NARGS = 7;     // arguments of the current job
const SCRATCH = 8;   // scratch base (bytes, as u32) ...
const SCRATCH_BYTES = 9; // ... and bytes per participant
const ERROR = 10;    // 1: a worker's chunk threw (the job's result is incomplete)
const DONE = 16;     // chunks finished
const WAITING = 17;  // 1 while the calling thread sleeps on DONE (the last chunk notifies then)
const ARGS = 32;     // kernel arguments (i32; pointers as u32 bits)
const NEXT = 80;     // at NEXT + 16 p, participant p's (tag << 16) | next chunk of its home range
const LINE = 16;
const MAX_THREADS = 256;
const SLOTS = NEXT + LINE * MAX_THREADS;
/** Most chunks one job may have (the chunk index has 16 bits; headroom for overshooting claims). */
export const MAX_CHUNKS = 65000;
/** How long a thread polls for the next job (or the last chunks) before it sleeps, in ms. */
const SPIN_MS = 0.05;

/**
 * The home range of participant p among `parts`: chunks [start(p), start(p + 1)). Each thread takes
 * its own range first, so a thread that wrote part of one kernel's output usually reads the same
 * part in the next kernel (from its own cache: elementwise kernels split across cores are otherwise
 * slower than on one core); then it helps with the others' ranges.
 */
function homeStart(p: number, parts: number, chunks: number): number {
  return Math.floor((p * chunks) / parts);
}

/** Kinds of job (the first argument of a job). */
export const JOB_MATMUL = 0;
export const JOB_UNARY = 1;
export const JOB_WALK = 2;
export const JOB_ROWS = 3;
export const JOB_REDUCE = 4;
export const JOB_GELU_BACKWARD = 5;

/** The kernels a chunk calls (a subset of KernelExports, loosely typed for the worker's sake). */
type ChunkKernels = Record<string, (...args: number[]) => unknown>;

/**
 * Runs chunk `i` of the job described by `a` on the kernels `k`; `scratch` is this participant's
 * scratch (bytes), `heap` an Int32Array over the kernels' memory. The chunk geometry is the same
 * for every participant, so any thread may run any chunk. Self-contained (no outer references):
 * its source also runs inside the workers.
 *
 *   JOB_MATMUL [0, a, b, c, m, n, k, transA, transB, strideA, strideB, splits, byCols, batch, per]
 *   JOB_UNARY  [1, op, x, out, n, per]                          elements [i per, (i + 1) per)
 *   JOB_WALK   [2, which, op, x, y, out, rank, meta, per, offset]  rows of axis 0 of a collapsed
 *              walk: which 0 = binary (meta: shape, stridesA, stridesB, scratch), 1 = stridedCopy
 *              (meta: shape, input strides, output strides, scratch; x offset `offset`); each chunk
 *              writes its own meta
 *   JOB_ROWS   [3, which, x, out, rows, cols, per, gamma, beta, epsLo, epsHi, p]  rows: 0 softmax,
 *              1 logSoftmax, 2 layerNorm (eps: the f64's two words), 3 rowNorms, 4 layerNormBackward
 *              (out: dx, beta: the gradient g, p: the g * xhat output)
 *   JOB_REDUCE [4, op, x, out, outer, r, inner, per]            outer rows
 *   JOB_GELU_BACKWARD [5, g, x, cdf, out, n, per]              elements [i per, (i + 1) per)
 */
export function runChunk(k: ChunkKernels, a: ArrayLike<number>, i: number, scratch: number, heap: Int32Array): void {
  switch (a[0]) {
    case 0:
      k.matmulChunk!((a[1]! >>> 0), (a[2]! >>> 0), (a[3]! >>> 0), a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, scratch, a[11]!, a[12]!, i, a[13]!, a[14]!);
      return;
    case 1: {
      const s = i * a[5]!;
      const e = Math.min(a[4]!, s + a[5]!);
      if (e > s) k.unary!(a[1]!, (a[2]! >>> 0) + 4 * s, (a[3]! >>> 0) + 4 * s, e - s);
      return;
    }
    case 2: {
      const which = a[1]!;
      const rank = a[6]!;
      const meta = (a[7]! >>> 0) >>> 2;
      const rows = heap[meta]!;
      const r0 = i * a[8]!;
      const r1 = Math.min(rows, r0 + a[8]!);
      if (r1 <= r0) return;
      // meta: shape and three stride lists (binary: a, b, scratch; stridedCopy: input, output, scratch).
      const mine = scratch >>> 2;
      for (let j = 0; j < 4 * rank; j++) heap[mine + j] = j >= 3 * rank ? 0 : heap[meta + j]!;
      heap[mine] = r1 - r0;
      let inner = 1;
      for (let d = 1; d < rank; d++) inner *= heap[meta + d]!;
      const out = (a[5]! >>> 0) + 4 * r0 * inner;
      if (which === 0) {
        k.binary!(a[2]!, (a[3]! >>> 0) + 4 * r0 * heap[meta + rank]!, (a[4]! >>> 0) + 4 * r0 * heap[meta + 2 * rank]!, out, rank, scratch);
      } else {
        k.stridedCopy!((a[3]! >>> 0), out, rank, scratch, a[9]! + r0 * heap[meta + rank]!);
      }
      return;
    }
    case 3: {
      const r0 = i * a[6]!;
      const r1 = Math.min(a[4]!, r0 + a[6]!);
      if (r1 <= r0) return;
      const cols = a[5]!;
      const x = (a[2]! >>> 0) + 4 * r0 * cols;
      const which = a[1]!;
      if (which === 0) k.softmax!(x, (a[3]! >>> 0) + 4 * r0 * cols, r1 - r0, cols);
      else if (which === 1) k.logSoftmax!(x, (a[3]! >>> 0) + 4 * r0 * cols, r1 - r0, cols);
      else if (which === 2 || which === 4) {
        const w = new Int32Array([a[9]!, a[10]!]);
        const eps = new Float64Array(w.buffer)[0]!;
        const out = (a[3]! >>> 0) + 4 * r0 * cols;
        if (which === 2) k.layerNorm!(x, (a[7]! >>> 0), (a[8]! >>> 0), out, r1 - r0, cols, eps);
        else k.layerNormBackward!(x, (a[7]! >>> 0), (a[8]! >>> 0) + 4 * r0 * cols, out, (a[11]! >>> 0) + 4 * r0 * cols, r1 - r0, cols, eps);
      } else k.rowNorms!(x, (a[3]! >>> 0) + 4 * r0, r1 - r0, cols, a[11]!);
      return;
    }
    case 4: {
      const o0 = i * a[7]!;
      const o1 = Math.min(a[4]!, o0 + a[7]!);
      if (o1 <= o0) return;
      const r = a[5]!;
      const inner = a[6]!;
      k.reduce!(a[1]!, (a[2]! >>> 0) + 4 * o0 * r * inner, (a[3]! >>> 0) + 4 * o0 * inner, o1 - o0, r, inner);
      return;
    }
    case 5: {
      const s = i * a[6]!;
      const e = Math.min(a[5]!, s + a[6]!);
      if (e > s) k.geluBackward!((a[1]! >>> 0) + 4 * s, (a[2]! >>> 0) + 4 * s, (a[3]! >>> 0) + 4 * s, (a[4]! >>> 0) + 4 * s, e - s);
      return;
    }
    default:
      throw new Error(`unknown job kind ${a[0]}`);
  }
}

/** The worker's code, as source: the same text runs in Node (eval) and as a module Web Worker. */
const WORKER_SOURCE = `
const GEN = ${GEN}, NEXT = ${NEXT}, LINE = ${LINE}, DONE = ${DONE}, CHUNKS = ${CHUNKS};
const SLEEPERS = ${SLEEPERS}, WAITING = ${WAITING};
const STOP = ${STOP}, NARGS = ${NARGS}, SCRATCH = ${SCRATCH}, SCRATCH_BYTES = ${SCRATCH_BYTES}, ARGS = ${ARGS};
const ERROR = ${ERROR}, PARTS = ${PARTS};
const homeStart = ${homeStart.toString()};
const runChunk = ${runChunk.toString()};
function serve(data, post) {
  const k = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports;
  const c = new Int32Array(data.control);
  const me = data.index;
  post('ready');
  let seen = Atomics.load(c, GEN);
  for (;;) {
    // Kernels come in quick succession during a training step: poll for a moment before sleeping,
    // so the next job does not wait for the wake-up of a sleeping thread.
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(c, GEN) === seen && performance.now() < until) {}
    if (Atomics.load(c, GEN) === seen) {
      Atomics.add(c, SLEEPERS, 1);
      Atomics.wait(c, GEN, seen);
      Atomics.sub(c, SLEEPERS, 1);
    }
    if (Atomics.load(c, STOP) === 1) return;
    const tag = Atomics.load(c, GEN);
    seen = tag;
    let heap = null;
    const parts = Atomics.load(c, PARTS);
    // Own home range first, then the others' (a late or busy thread's chunks get done by the rest).
    job: for (let r = 0; r < parts; r++) {
      const p = (me + r) % parts;
      for (;;) {
        const v = Atomics.load(c, NEXT + LINE * p);
        if ((v >>> 16) !== tag) break job;
        const i = v & 0xffff;
        const chunks = Atomics.load(c, CHUNKS);
        if (i >= homeStart(p + 1, parts, chunks)) break;
        const scratch = (Atomics.load(c, SCRATCH) >>> 0) + me * (Atomics.load(c, SCRATCH_BYTES) >>> 0);
        const n = Atomics.load(c, NARGS);
        const a = [];
        for (let j = 0; j < n; j++) a.push(Atomics.load(c, ARGS + j));
        if (Atomics.compareExchange(c, NEXT + LINE * p, v, v + 1) !== v) continue;
        if (heap === null || heap.buffer !== data.memory.buffer) heap = new Int32Array(data.memory.buffer);
        try {
          runChunk(k, a, i, scratch, heap);
        } catch (e) {
          Atomics.store(c, ERROR, 1);
        } finally {
          if (Atomics.add(c, DONE, 1) + 1 === chunks && Atomics.load(c, WAITING) === 1) Atomics.notify(c, DONE);
        }
      }
    }
  }
}
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (data) => serve(data, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (e) => serve(e.data, (m) => self.postMessage(m));
}
`;

interface AnyWorker {
  terminate(): unknown;
}

/** Why threads cannot run in this runtime, or null when they can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'no SharedArrayBuffer/Atomics';
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } }; Worker?: unknown };
  if (typeof g.Worker === 'function') {
    // Browsers need cross-origin isolation for shared memory; Deno has no such notion (undefined).
    return g.crossOriginIsolated === false ? 'the page is not cross-origin isolated' : null;
  }
  if (g.process?.versions?.node !== undefined) return null;
  return 'no Web Workers or worker_threads';
}

/** A pool of `threads - 1` workers plus the calling thread, over one shared kernels memory. */
export class ThreadPool {
  readonly threads: number;
  private readonly control: Int32Array;
  private readonly workers: AnyWorker[];
  private readonly canBlock: boolean;
  private closed = false;

  private constructor(threads: number, control: Int32Array, workers: AnyWorker[]) {
    this.threads = threads;
    this.control = control;
    this.workers = workers;
    let canBlock = true;
    try {
      Atomics.wait(control, STOP, 1, 0);
    } catch {
      canBlock = false;
    }
    this.canBlock = canBlock;
  }

  /** Starts `threads - 1` workers, each with an instance of `module` on `memory`. */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<ThreadPool> {
    const control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    control[PARTS] = threads;
    const workers: AnyWorker[] = [];
    const ready: Promise<void>[] = [];
    const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: new (url: string, o?: { type: string }) => AnyWorker & { postMessage(m: unknown): void; onmessage: ((e: { data: unknown }) => void) | null; onerror: ((e: unknown) => void) | null } };
    // Web Workers where the platform has them (browsers, Deno); else Node's worker_threads.
    const node = typeof g.Worker !== 'function' && g.process?.versions?.node !== undefined;
    type NodeWorker = AnyWorker & { postMessage(m: unknown): void; once(e: string, f: (m: unknown) => void): void; unref(): void };
    let NodeWorkerClass: (new (src: string, o: { eval: boolean }) => NodeWorker) | null = null;
    if (node) {
      const name = 'node:worker_threads';
      NodeWorkerClass = ((await import(/* @vite-ignore */ name)) as { Worker: new (src: string, o: { eval: boolean }) => NodeWorker }).Worker;
    }
    let url: string | null = null;
    try {
      for (let i = 1; i < threads; i++) {
        const data = { module, memory, control: control.buffer, index: i };
        if (NodeWorkerClass) {
          const w = new NodeWorkerClass(WORKER_SOURCE, { eval: true });
          w.unref();
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', (e) => reject(e as Error));
          }));
          w.postMessage(data);
        } else {
          url ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
          const w = new g.Worker!(url, { type: 'module' });
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.onmessage = () => resolve();
            w.onerror = (e) => reject(new Error(String((e as { message?: string }).message ?? e)));
          }));
          w.postMessage(data);
        }
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw new VarmatError('BACKEND', 'createWasmBackend', `could not start ${threads - 1} worker thread(s): ${String(e)}`);
    } finally {
      if (url) URL.revokeObjectURL(url);
    }
    return new ThreadPool(threads, control, workers);
  }

  /**
   * Runs the `chunks` chunks of the job `args` (see `runChunk`) on all threads; participant p
   * (0 = this thread) uses the scratch at `scratch + p * scratchBytes`. `kernels` and `heap` are
   * this thread's instance and memory view.
   */
  run(args: readonly number[], chunks: number, scratch: number, scratchBytes: number, kernels: ChunkKernels, heap: Int32Array): void {
    const c = this.control;
    if (args.length > NEXT - ARGS) throw new VarmatError('BACKEND', 'wasm threads', `a job of ${args.length} arguments`);
    if (chunks > MAX_CHUNKS) throw new VarmatError('BACKEND', 'wasm threads', `a job of ${chunks} chunks (at most ${MAX_CHUNKS})`);
    const tag = (Atomics.load(c, GEN) + 1) & 0xffff;
    for (let i = 0; i < args.length; i++) Atomics.store(c, ARGS + i, args[i]! | 0);
    Atomics.store(c, NARGS, args.length);
    Atomics.store(c, SCRATCH, scratch | 0);
    Atomics.store(c, SCRATCH_BYTES, scratchBytes | 0);
    Atomics.store(c, CHUNKS, chunks);
    Atomics.store(c, DONE, 0);
    const parts = this.threads;
    // Opens the job: claims are checked against this tag.
    for (let p = 0; p < parts; p++) Atomics.store(c, NEXT + LINE * p, (tag << 16) | homeStart(p, parts, chunks));
    Atomics.store(c, GEN, tag);
    // A worker about to sleep counts itself first and then waits only while GEN is unchanged, so
    // one that is not counted here sees the new tag.
    if (Atomics.load(c, SLEEPERS) > 0) Atomics.notify(c, GEN);
    try {
      // This thread is participant 0: its own range first, then whatever the workers left.
      for (let p = 0; p < parts; p++) {
        const end = homeStart(p + 1, parts, chunks);
        for (;;) {
          const i = Atomics.add(c, NEXT + LINE * p, 1) & 0xffff;
          if (i >= end) break;
          try {
            runChunk(kernels, args, i, scratch, heap);
          } finally {
            Atomics.add(c, DONE, 1);
          }
        }
      }
    } finally {
      // After a failure here, close the job: chunks nobody took count as done (the call throws anyway).
      for (let p = 0; p < parts; p++) {
        const end = homeStart(p + 1, parts, chunks);
        const taken = Math.min(Atomics.exchange(c, NEXT + LINE * p, (tag << 16) | 0xffff) & 0xffff, end);
        if (taken < end) Atomics.add(c, DONE, end - taken);
      }
      // Wait only for the chunks that workers took.
      this.waitFor(DONE, (v) => v >= chunks);
    }
    if (Atomics.exchange(c, ERROR, 0) === 1) {
      throw new VarmatError('BACKEND', 'wasm threads', 'a kernel chunk failed in a worker thread; its output is incomplete');
    }
  }

  private waitFor(slot: number, ok: (value: number) => boolean): void {
    const c = this.control;
    const until = performance.now() + SPIN_MS;
    while (performance.now() < until) if (ok(Atomics.load(c, slot))) return;
    for (;;) {
      const v = Atomics.load(c, slot);
      if (ok(v)) return;
      if (this.canBlock) {
        // Workers notify only while WAITING is set; the timeout covers a notify that raced past.
        Atomics.store(c, WAITING, 1);
        if (!ok(Atomics.load(c, slot))) Atomics.wait(c, slot, v, 1);
        Atomics.store(c, WAITING, 0);
      }
    }
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GEN, 1);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) w.terminate();
  }
}
