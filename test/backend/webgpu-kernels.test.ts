// The WebGPU kernel suite in Node (npm package `webgpu`, Dawn on SwiftShader here): every kernel
// against the float64 reference on awkward shapes, outputs poisoned first, no leaked buffers.
// Without an adapter it skips and says why, unless VARMAT_REQUIRE_WEBGPU=1 (CI), where it fails.
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_CASES } from '../webgpu/kernel-cases.js';
import { tryNodeBackend } from '../webgpu/node-gpu.js';
import { casePassed, runCase, summarize, type CaseReport } from '../webgpu/run-suite.js';

const main = await tryNodeBackend({ poisonOutputs: true });
const folded = main.gpu ? await tryNodeBackend({ poisonOutputs: true, maxWorkgroupsPerDimension: 16 }) : main;
if (!main.gpu) console.warn(`webgpu kernel suite skipped: ${main.reason}`);

const reports: CaseReport[] = [];

afterAll(() => {
  if (reports.length > 0) console.log(`node: ${main.gpu?.describe()}\n${summarize(reports)}`);
  main.gpu?.destroy();
  folded.gpu?.destroy();
});

function explain(r: CaseReport): string {
  const bad = r.results.filter((x) => !x.pass).map((x) => `${x.name}: ${x.error.toExponential(2)} (tol ${x.tol})${x.detail ? ` ${x.detail}` : ''}`);
  if (r.error) bad.push(`threw ${r.error}`);
  if (r.liveAfter !== r.liveBefore) bad.push(`leaked ${r.liveAfter - r.liveBefore} GPU buffers`);
  return bad.join('\n');
}

describe.skipIf(!main.gpu)(`webgpu kernels vs float64 reference${main.gpu ? ` on ${main.gpu.describe()}` : ` (skipped: ${main.reason})`}`, () => {
  for (const c of KERNEL_CASES) {
    it(c.name, async () => {
      const r = await runCase(main.gpu!, c);
      reports.push(r);
      expect(explain(r)).toBe('');
      expect(casePassed(r)).toBe(true);
    });
  }
});

describe.skipIf(!folded.gpu)('webgpu kernels with grids folded at 16 workgroups per dimension', () => {
  const names = ['matmul: batches with broadcasting', 'softmax, logSoftmax, layerNorm, rowNorms', 'reduce sum / max / min over axis sets', 'conv2d forward, grad input and grad filter: stride, padding, dilation, groups'];
  for (const c of KERNEL_CASES.filter((k) => names.includes(k.name))) {
    it(c.name, async () => {
      const r = await runCase(folded.gpu!, c);
      expect(explain(r)).toBe('');
      expect(casePassed(r)).toBe(true);
    });
  }
});
