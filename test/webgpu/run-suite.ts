// Runs the kernel cases on one WebGPU backend and reports per comparison, checking after each case
// that every GPU storage handle was released (no leaks).
import type { WebGPUBackend, WebGPUBackendOptions } from '../../src/backend/webgpu/webgpu-backend.js';
import { Harness, type CaseResult } from './harness.js';
import { KERNEL_CASES, type KernelCase } from './kernel-cases.js';

/** The outcome of one case. */
export interface CaseReport {
  name: string;
  results: CaseResult[];
  /** Live GPU handles before and after (equal when nothing leaked). */
  liveBefore: number;
  liveAfter: number;
  /** A thrown error, if any. */
  error?: string;
  ms: number;
}

/** Runs one case; never throws (errors are reported). */
export async function runCase(gpu: WebGPUBackend, c: KernelCase, tag = ''): Promise<CaseReport> {
  const h = new Harness(gpu);
  const liveBefore = gpu.liveBuffers();
  const t0 = Date.now();
  let error: string | undefined;
  try {
    await c.run(h);
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    h.releaseAll();
  }
  return { name: tag + c.name, results: h.results, liveBefore, liveAfter: gpu.liveBuffers(), ...(error ? { error } : {}), ms: Date.now() - t0 };
}

/** Whether a case passed: all comparisons within tolerance, no error, no leak. */
export function casePassed(r: CaseReport): boolean {
  return !r.error && r.liveAfter === r.liveBefore && r.results.length > 0 && r.results.every((x) => x.pass);
}

/** The cases rerun on a backend whose grids fold at 16 workgroups per dimension. */
const FOLDING_CASES = [
  'matmul: batches with broadcasting', 'softmax, logSoftmax, layerNorm, rowNorms', 'reduce sum / max / min over axis sets',
  'conv2d forward, grad input and grad filter: stride, padding, dilation, groups', 'fused attack step: L-inf and L2, shared or per-row budgets, value clip',
];

/**
 * The whole suite: every case on a backend with poisoned outputs, then the grid-folding cases on a
 * second one. `create` makes a backend (navigator.gpu, or Node's webgpu package). Streams each
 * report to `onReport`.
 */
export async function runSuite(
  create: (options: WebGPUBackendOptions) => Promise<WebGPUBackend>,
  onReport: (r: CaseReport) => void,
  filter?: (name: string) => boolean,
): Promise<{ reports: CaseReport[]; description: string }> {
  const reports: CaseReport[] = [];
  const gpu = await create({ poisonOutputs: true });
  const description = gpu.describe();
  try {
    for (const c of KERNEL_CASES) {
      if (filter && !filter(c.name)) continue;
      const r = await runCase(gpu, c);
      reports.push(r);
      onReport(r);
    }
  } finally {
    gpu.destroy();
  }
  const folding = await create({ poisonOutputs: true, maxWorkgroupsPerDimension: 16 });
  try {
    for (const c of KERNEL_CASES.filter((k) => FOLDING_CASES.includes(k.name))) {
      if (filter && !filter(c.name)) continue;
      const r = await runCase(folding, c, 'grids folded at 16 per dimension: ');
      reports.push(r);
      onReport(r);
    }
  } finally {
    folding.destroy();
  }
  return { reports, description };
}

/** One line per case: its worst finite error among the float comparisons (for logs and reports). */
export function summarize(reports: readonly CaseReport[]): string {
  return reports.map((r) => {
    const finite = r.results.filter((x) => Number.isFinite(x.error) && x.tol <= 1e-5);
    const worst = finite.reduce((a, b) => (b.error > a.error ? b : a), { name: '-', error: 0 });
    return `${casePassed(r) ? 'ok  ' : 'FAIL'} ${r.name}: ${r.results.length} checks, worst ${worst.error.toExponential(1)} (${worst.name})`;
  }).join('\n');
}
