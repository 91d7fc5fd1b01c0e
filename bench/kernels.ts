// Kernel benchmark: matmul and conv2d GFLOP/s of the reference and WebAssembly backends next to
// @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD, single-threaded), all measured in this run, plus
// the fraction of this CPU's 128-bit SIMD peak (measured by a probe in the same run).
//
//   npm run bench                      # print the tables (this suite is the default)
//   npm run bench -- --out FILE.md     # also write them to a file
//   npm run bench -- --only conv       # one table: matmul or conv
//
// Node 20 has relaxed SIMD (fused multiply-add) behind a V8 flag; this script turns it on so that
// the relaxed build can be measured. Runtimes with relaxed SIMD on by default (Chrome, Deno, newer
// Node) pick that build with no flag.

import v8 from 'node:v8';
import type { Backend, Conv2dParams, DataHandle, MatmulParams } from '../src/backend/backend.js';
import { ReferenceBackend } from '../src/backend/reference/reference-backend.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { describeMachine } from './machine.js';
import { measureSimdPeak, peakWorkloads, type PeakWorkload } from './simd-peak.js';
import { initTfjsWasm, tfConv2d, tfConv2dGradInput, tfMatmul, type Workload } from './tfjs-peer.js';
import { gflops, measureInterleaved } from './timing.js';
import { print, random, saveReport } from './report.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Uploads inputs to `be` and returns a workload that runs one kernel call and frees its output. */
function kernelWorkload(be: Backend, sizes: number[], call: (be: Backend, hs: DataHandle[]) => DataHandle): Workload {
  const hs = sizes.map((n, i) => be.upload(random(n, i + 1), 'float32'));
  return {
    run: () => be.release(call(be, hs)),
    dispose: () => hs.forEach((h) => be.release(h)),
  };
}

/** Measures the workloads interleaved; returns GFLOP/s for each (undefined stays undefined). */
function race(flops: number, workloads: (Workload | undefined)[], samples = 15): (number | undefined)[] {
  const ms = measureInterleaved(workloads.map((w) => (w === undefined ? undefined : () => w.run())), { samples, minSampleMs: 25 });
  for (const w of workloads) w?.dispose();
  return ms.map((t) => (t === undefined ? undefined : gflops(flops, t)));
}

/** The reference backend alone, few samples (it is slow). */
function referenceGflops(flops: number, sizes: number[], call: (be: Backend, hs: DataHandle[]) => DataHandle): number {
  const [g] = race(flops, [kernelWorkload(new ReferenceBackend(), sizes, call)], 3);
  return g!;
}

const f1 = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`;
const pct = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : `${Math.round((100 * a) / b)}%`;

function convParams(n: number, inC: number, h: number, w: number, outC: number, k: number, pad: number): Conv2dParams {
  return {
    n, inC, inH: h, inW: w, outC, kH: k, kW: k, strideH: 1, strideW: 1, padH: pad, padW: pad,
    dilationH: 1, dilationW: 1, groups: 1, outH: h + 2 * pad - k + 1, outW: w + 2 * pad - k + 1,
  };
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const outFile = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;

  const tfDescription = await initTfjsWasm();
  const simd = await createWasmBackend({ relaxedSimd: false });
  const relaxedBackend = await createWasmBackend();
  const relaxed: WasmBackend | undefined = relaxedBackend.variant === 'relaxed' ? relaxedBackend : undefined;
  const scalar = await createWasmBackend({ simd: false });

  print(`# varmat kernel benchmark, ${new Date().toISOString().slice(0, 10)}`);
  print();
  print(`- Machine: ${describeMachine()}`);
  print(`- varmat wasm builds: ${[scalar, simd, relaxed].filter((b) => b !== undefined).map((b) => b!.variant).join(', ')} `
    + '(AssemblyScript, single-threaded; relaxed = 128-bit SIMD with f32x4.relaxed_madd, enabled on Node 20 by '
    + '`--experimental-wasm-relaxed-simd`, on by default in Chrome, Deno and newer Node)');
  print(`- Peer: ${tfDescription}; tfjs convolutions run in its NHWC layout`);
  print('- Each figure: median of 15 samples of at least 25 ms after warm-up, contenders sampled round-robin (reference: 3 samples, alone), in GFLOP/s; '
    + 'a matmul of m x k by k x n counts 2mnk flops, a convolution 2 N outC outH outW inC kH kW');

  const peak = await measureSimdPeak();
  const probes = await peakWorkloads();
  print(`- 128-bit SIMD peak of this CPU, measured by the probe at the start of this run: ${f1(peak.fma)} GFLOP/s `
    + `with fused multiply-adds (relaxed SIMD), ${f1(peak.mulAdd)} GFLOP/s with separate multiplies and adds (all `
    + 'that plain wasm SIMD, and so XNNPACK here, can issue)');
  print();

  const matmulTable = (): void => {
    print('## matmul (float32, C = A B, A and B row-major)');
    print();
    const shapes: [string, number, number, number][] = [
      ['128 x 128 x 128', 128, 128, 128],
      ['256 x 256 x 256', 256, 256, 256],
      ['512 x 512 x 512', 512, 512, 512],
      ['1024 x 1024 x 1024', 1024, 1024, 1024],
      ['training [256 x 800] x [800 x 128]', 256, 128, 800],
    ];
    const probe = (w: PeakWorkload | undefined): Workload | undefined =>
      w === undefined ? undefined : { run: w.run, dispose: () => undefined };
    let best = Math.max(peak.mulAdd, peak.fma ?? 0);
    const rows: { label: string; ref?: number; sc?: number; si?: number; re?: number; tf?: number }[] = [];
    for (const [label, m, n, k] of shapes) {
      const flops = 2 * m * n * k;
      const p: MatmulParams = { batch: 1, m, n, k, transA: false, transB: false, batchedA: true, batchedB: true };
      const mm = (be: Backend, [a, b]: DataHandle[]): DataHandle => be.matmul(a!, b!, p);
      const sizes = [m * k, k * n];
      const ref = m >= 1024 ? undefined : referenceGflops(flops, sizes, mm);
      const [sc, si, re, tf, pm, pf] = race(flops, [
        kernelWorkload(scalar, sizes, mm),
        kernelWorkload(simd, sizes, mm),
        relaxed === undefined ? undefined : kernelWorkload(relaxed, sizes, mm),
        tfMatmul(m, n, k),
        probe(probes.mulAdd),
        probe(probes.fma),
      ]);
      // race() scaled every entry by the matmul's flops; rescale the probes to theirs.
      best = Math.max(best, (pm! * probes.mulAdd.flops) / flops);
      if (pf !== undefined && probes.fma !== undefined) best = Math.max(best, (pf * probes.fma.flops) / flops);
      rows.push({ label, ref, sc, si, re, tf });
    }
    print(`128-bit SIMD peak used below: ${f1(best)} GFLOP/s, the best the probes reached in this run (at the start `
      + 'and interleaved with every row); on a loaded machine the fractions are therefore conservative.');
    print();
    print('| shape (m x k) x (k x n) | reference | wasm scalar | wasm SIMD | wasm relaxed | XNNPACK | SIMD / XNNPACK | relaxed / XNNPACK | SIMD % of peak | relaxed % of peak | XNNPACK % of peak |');
    print('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const { label, ref, sc, si, re, tf } of rows) {
      print(`| ${label} | ${ref === undefined ? 'skipped (too slow)' : ref.toFixed(2)} | ${f1(sc)} | ${f1(si)} | ${f1(re)} | ${f1(tf)} `
        + `| ${ratio(si, tf)} | ${ratio(re, tf)} | ${pct(si, best)} | ${pct(re, best)} | ${pct(tf, best)} |`);
    }
    print();
  };

  const convTable = (): void => {
    print('## conv2d (float32; varmat NCHW by im2col + the GEMM, XNNPACK NHWC)');
    print();
    print('| shape | kernel | reference | wasm scalar | wasm SIMD | wasm relaxed | XNNPACK | SIMD / XNNPACK | relaxed / XNNPACK |');
    print('|---|---|---|---|---|---|---|---|---|');
    const convs: [string, Conv2dParams][] = [
      ['[64,1,28,28] x [32,1,5,5]', convParams(64, 1, 28, 28, 32, 5, 0)],
      ['[64,32,12,12] x [64,32,5,5]', convParams(64, 32, 12, 12, 64, 5, 0)],
      ['[32,16,32,32] x [32,16,3,3] pad 1', convParams(32, 16, 32, 32, 32, 3, 1)],
    ];
    for (const [label, p] of convs) {
      const flops = 2 * p.n * p.outC * p.outH * p.outW * p.inC * p.kH * p.kW;
      const xs = p.n * p.inC * p.inH * p.inW;
      const ws = p.outC * p.inC * p.kH * p.kW;
      const ys = p.n * p.outC * p.outH * p.outW;
      const pad = p.padH > 0 ? 'same' : 'valid';
      const kernels: [string, number[], (be: Backend, hs: DataHandle[]) => DataHandle, (() => Workload) | undefined][] = [
        ['forward', [xs, ws], (be, [x, w]) => be.conv2d(x!, w!, p), () => tfConv2d(p.n, p.inC, p.inH, p.inW, p.outC, p.kH, pad)],
        ['grad input', [ys, ws], (be, [dy, w]) => be.conv2dGradInput(dy!, w!, p),
          () => tfConv2dGradInput(p.n, p.inC, p.inH, p.inW, p.outC, p.kH, pad)],
        ['grad filter', [xs, ys], (be, [x, dy]) => be.conv2dGradFilter(x!, dy!, p), undefined],
      ];
      for (const [kernel, sizes, call, peer] of kernels) {
        const ref = flops > 1.2e8 ? undefined : referenceGflops(flops, sizes, call);
        const [sc, si, re, tf] = race(flops, [
          kernelWorkload(scalar, sizes, call),
          kernelWorkload(simd, sizes, call),
          relaxed === undefined ? undefined : kernelWorkload(relaxed, sizes, call),
          peer === undefined ? undefined : peer(),
        ]);
        print(`| ${label} | ${kernel} | ${ref === undefined ? 'skipped (too slow)' : ref.toFixed(2)} | ${f1(sc)} | ${f1(si)} `
          + `| ${f1(re)} | ${tf === undefined ? 'no wasm kernel' : f1(tf)} | ${ratio(si, tf)} | ${ratio(re, tf)} |`);
      }
    }
    print();
  };

  if (only !== 'conv') matmulTable();
  if (only !== 'matmul') convTable();
  print('The reference backend is skipped at 1024 and on the larger convolutions: plain TypeScript loops '
    + 'with float64 accumulation take many seconds per call there.');

  for (const be of [simd, relaxedBackend, scalar]) {
    if (be.bytesInUse() !== 0) throw new Error(`bench leaked ${be.bytesInUse()} bytes on ${be.variant}`);
  }
  if (outFile !== undefined) {
    saveReport(outFile);
    console.log(`\nwritten to ${outFile}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
