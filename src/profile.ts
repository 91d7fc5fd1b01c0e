/**
 * A per-kernel time profile. Off by default and free when off: nothing is wrapped. Turned on by
 * the environment variable `VARMAT_PROFILE=1` (Node, Deno with env access) before varmat loads, or
 * by `enableProfiling()`; then every kernel call of every registered backend is timed (only the
 * outermost call when a kernel calls another), and matmul/conv calls count their FLOPs.
 * With `VARMAT_PROFILE=1` the table is printed to stderr when the process exits
 * (`VARMAT_PROFILE=shapes` also splits matmul by shape: batch x [m x k] x [k x n], T = transposed);
 * `profileReport()` returns it at any time.
 *
 * Times are host wall-clock times of the kernel calls: exact for the synchronous backends
 * (reference, wasm); on WebGPU a call only records and submits work, so its time is the cost of
 * dispatch, not of the GPU.
 *
 * @example
 * vm.enableProfiling();
 * step();
 * console.log(vm.profileReport());   // op, calls, total ms, %, mean ms, GFLOP/s
 */

import type { Backend } from './backend/backend.js';

/** Totals of one kernel label. */
export interface ProfileEntry {
  /** Kernel label: the backend method, with the op for unary/binary/reduce (`unary:gelu`). */
  op: string;
  calls: number;
  /** Total milliseconds in this kernel. */
  ms: number;
  /** Floating-point operations counted (matmul and conv2d kernels; 0 elsewhere). */
  flops: number;
}

interface MutableEntry {
  calls: number;
  ms: number;
  flops: number;
}

const entries = new Map<string, MutableEntry>();
const instrumented = new WeakSet<Backend>();
let depth = 0;
let startedAt = 0;

/** Whether profiling is on (read by the engine when it registers a backend). */
export const profiling = { on: false, shapes: false };

/** The methods of the kernel contract that are timed (storage included: upload, read, release). */
const KERNELS = [
  'upload', 'fill', 'read', 'readSync', 'release', 'cast', 'unary', 'clip', 'binary', 'where', 'reduce',
  'argReduce', 'stridedCopy', 'pad', 'concat', 'gather', 'scatterAdd', 'oneHot', 'matmul', 'conv2d',
  'conv2dGradInput', 'conv2dGradFilter', 'maxPool2d', 'avgPool2d', 'avgPool2dBackward', 'softmax',
  'logSoftmax', 'layerNorm', 'layerNormBackward', 'rowNorms', 'geluBackward', 'adamStep',
] as const;

interface ConvLike { n: number; inC: number; outC: number; kH: number; kW: number; outH: number; outW: number; groups: number }
interface MatmulLike { batch: number; m: number; n: number; k: number }

function convFlops(p: ConvLike): number {
  return 2 * p.n * p.outC * p.outH * p.outW * (p.inC / p.groups) * p.kH * p.kW;
}

function labelAndFlops(method: string, args: unknown[]): [string, number] {
  switch (method) {
    case 'binary':
      return [profiling.shapes ? `binary:${String(args[0])} [${(args[2] as number[]).join('x')}] [${(args[4] as number[]).join('x')}]` : `binary:${String(args[0])}`, 0];
    case 'unary':
    case 'reduce':
      return [`${method}:${String(args[0])}`, 0];
    case 'stridedCopy':
      return [profiling.shapes ? `stridedCopy [${(args[1] as number[]).join('x')}] strides ${(args[2] as number[]).join(',')}` : method, 0];
    case 'argReduce':
      return [String(args[0]), 0];
    case 'matmul': {
      const p = args[2] as MatmulLike & { transA: boolean; transB: boolean };
      const label = profiling.shapes ? `matmul ${p.batch}x[${p.m}x${p.k}]${p.transA ? 'T' : ''}x[${p.k}x${p.n}]${p.transB ? 'T' : ''}` : 'matmul';
      return [label, 2 * p.batch * p.m * p.n * p.k];
    }
    case 'conv2d':
    case 'conv2dGradInput':
    case 'conv2dGradFilter':
      return [method, convFlops(args[2] as ConvLike)];
    default:
      return [method, 0];
  }
}

function record(label: string, ms: number, flops: number): void {
  let e = entries.get(label);
  if (!e) {
    e = { calls: 0, ms: 0, flops: 0 };
    entries.set(label, e);
  }
  e.calls++;
  e.ms += ms;
  e.flops += flops;
}

/**
 * Wraps the kernel methods of one backend instance with timers (once per instance). The engine
 * calls it for every backend it registers while profiling is on.
 */
export function instrumentBackend(backend: Backend): void {
  if (instrumented.has(backend)) return;
  instrumented.add(backend);
  const target = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of KERNELS) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function timed(this: unknown, ...args: unknown[]): unknown {
      if (depth > 0) return original.apply(this, args);
      depth++;
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const ms = performance.now() - t0;
        depth--;
        const [label, flops] = labelAndFlops(method, args);
        record(`${backend.name} ${label}`, ms, flops);
      }
    };
  }
}

/**
 * Turns profiling on for the backends registered from now on, and for `backends` (pass the
 * registered ones; `vm.enableProfiling()` does). Counters start from zero.
 */
export function enableProfiling(backends: Iterable<Backend> = []): void {
  profiling.on = true;
  for (const b of backends) instrumentBackend(b);
  resetProfile();
}

/** Clears the counters (profiling stays on). */
export function resetProfile(): void {
  entries.clear();
  startedAt = performance.now();
}

/** The counters so far, largest total time first. */
export function profileEntries(): ProfileEntry[] {
  return [...entries].map(([op, e]) => ({ op, calls: e.calls, ms: e.ms, flops: e.flops })).sort((a, b) => b.ms - a.ms);
}

/**
 * The profile as a text table: kernel, calls, total ms, % of kernel time, mean ms, GFLOP/s; then
 * the kernel total against the wall time since profiling started or was reset (the rest is
 * JavaScript: ops, autodiff, allocation bookkeeping).
 */
export function profileReport(options: { top?: number } = {}): string {
  const list = profileEntries();
  const total = list.reduce((s, e) => s + e.ms, 0);
  const wall = performance.now() - startedAt;
  const rows = list.slice(0, options.top ?? list.length);
  const width = Math.max(6, ...rows.map((e) => e.op.length));
  const lines = [
    `${'kernel'.padEnd(width)}  ${'calls'.padStart(8)}  ${'total ms'.padStart(10)}  ${'%'.padStart(6)}  ${'mean ms'.padStart(9)}  ${'GFLOP/s'.padStart(8)}`,
  ];
  for (const e of rows) {
    const pct = total > 0 ? (100 * e.ms) / total : 0;
    const gf = e.flops > 0 && e.ms > 0 ? (e.flops / e.ms / 1e6).toFixed(1) : '';
    lines.push(`${e.op.padEnd(width)}  ${String(e.calls).padStart(8)}  ${e.ms.toFixed(1).padStart(10)}  ${pct.toFixed(1).padStart(6)}  ${(e.ms / e.calls).toFixed(4).padStart(9)}  ${gf.padStart(8)}`);
  }
  if (rows.length < list.length) lines.push(`(${list.length - rows.length} more kernels)`);
  const flops = list.reduce((s, e) => s + e.flops, 0);
  lines.push(`kernels: ${total.toFixed(1)} ms of ${wall.toFixed(1)} ms wall since profiling started (${wall > 0 ? ((100 * total) / wall).toFixed(1) : '0'}%); `
    + `${(flops / 1e9).toFixed(3)} GFLOP counted in matmul/conv`);
  return `${lines.join('\n')}\n`;
}

// VARMAT_PROFILE=1 turns profiling on at load and prints the table when the process exits.
// Reading the environment can throw (Deno without --allow-env): then profiling stays off.
type Proc = { env?: Record<string, string | undefined>; on?: (e: string, f: () => void) => void; stderr?: { write(s: string): void } };
const proc = (globalThis as { process?: Proc }).process;
let flag: string | undefined;
try {
  flag = proc?.env?.VARMAT_PROFILE;
} catch {
  flag = undefined;
}
if (flag !== undefined && flag !== '' && flag !== '0') {
  profiling.on = true;
  profiling.shapes = flag === 'shapes';
  startedAt = performance.now();
  proc?.on?.('exit', () => proc.stderr?.write(`\nvarmat profile (VARMAT_PROFILE=${flag})\n${profileReport()}`));
}
