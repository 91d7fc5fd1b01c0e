// WebGPU kernel benchmark: matmul and conv2d GFLOP/s of varmat's WebGPU backend next to
// @tensorflow/tfjs-backend-webgpu on the same adapter in the same process, with the ratio, and
// gpu.js as a further peer where it runs (in Node: its CPU mode only; see the notes printed).
//
//   npx tsx bench/webgpu.ts [--out FILE.md] [--quick]
//   npm run bench -- webgpu            (bench/run.ts dispatches here)
//
// In Node the adapter comes from the `webgpu` package (Dawn); on a machine without a GPU, Dawn
// runs on SwiftShader (VK_ICD_FILENAMES is pointed at Debian chromium's SwiftShader ICD when unset).
// Software adapters make absolute figures meaningless; the ratio on the same adapter is what counts.

import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Conv2dParams, DataHandle, MatmulParams } from '../src/backend/backend.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { describeMachine } from './machine.js';
import { gflops, median } from './timing.js';
import { print, random, saveReport } from './report.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
if (!process.env.XDG_RUNTIME_DIR) {
  mkdirSync('/tmp/varmat-xdg', { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = '/tmp/varmat-xdg';
}

/** One contender on one workload: `run` enqueues one op (or runs it, for CPU peers); `sync` waits for the GPU. */
interface Contender {
  run(): void;
  sync(): Promise<void>;
  dispose(): void;
}

/**
 * Median milliseconds per op of each contender, samples taken round-robin (a slow spell of the
 * shared machine hits all alike). Each sample enqueues `reps` ops and waits for completion.
 */
async function race(contenders: (Contender | undefined)[], samples: number, minSampleMs: number): Promise<(number | undefined)[]> {
  const reps = await Promise.all(contenders.map(async (c) => {
    if (!c) return 0;
    c.run(); // warm-up: pipeline compilation, pools
    await c.sync();
    const t0 = performance.now();
    c.run();
    await c.sync();
    const one = performance.now() - t0;
    return Math.max(1, Math.min(50, Math.ceil(minSampleMs / Math.max(one, 0.01))));
  }));
  const times: number[][] = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[i];
      if (!c) continue;
      const t0 = performance.now();
      for (let r = 0; r < reps[i]!; r++) c.run();
      await c.sync();
      times[i]!.push((performance.now() - t0) / reps[i]!);
    }
  }
  for (const c of contenders) c?.dispose();
  return times.map((t, i) => (contenders[i] ? median(t) : undefined));
}

// ---- varmat -----------------------------------------------------------------------------------

function varmatContender(gpu: WebGPUBackend, sizes: number[], call: (hs: DataHandle[]) => DataHandle): Contender {
  const hs = sizes.map((n, i) => gpu.upload(random(n, i + 1), 'float32'));
  return {
    run: () => gpu.release(call(hs)),
    sync: () => gpu.sync(),
    dispose: () => hs.forEach((h) => gpu.release(h)),
  };
}

// ---- tfjs-backend-webgpu ----------------------------------------------------------------------

type Tf = typeof import('@tensorflow/tfjs-core');
interface TfWebGPUBackend {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

async function startTfjs(gpu: GPU): Promise<{ tf: Tf; description: string }> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs webgpu backend failed to start');
  await tf.ready();
  const require = createRequire(import.meta.url);
  const version = (require('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version;
  return { tf, description: `@tensorflow/tfjs-backend-webgpu ${version} (tfjs-core ${tf.version_core})` };
}

function tfContender(tf: Tf, make: () => { inputs: import('@tensorflow/tfjs-core').Tensor[]; op: () => import('@tensorflow/tfjs-core').Tensor }): Contender {
  const { inputs, op } = make();
  const backend = tf.backend() as unknown as TfWebGPUBackend;
  return {
    run: () => op().dispose(),
    sync: async () => {
      // What tfjs does before a readback: end its pass, submit its encoder.
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await backend.device.queue.onSubmittedWorkDone();
    },
    dispose: () => tf.dispose(inputs),
  };
}

// ---- gpu.js -----------------------------------------------------------------------------------

interface GpuJsKernel {
  (...args: unknown[]): unknown;
  setOutput(o: number[]): GpuJsKernel;
  destroy?(): void;
}
interface GpuJs {
  mode: string;
  createKernel(fn: (...args: never[]) => number, settings?: object): GpuJsKernel;
  destroy(): void;
}

/** gpu.js in the best mode it supports here, and what it could not use. */
function startGpuJs(): { gpu: GpuJs | null; note: string } {
  const require = createRequire(import.meta.url);
  let GPU: new (o: { mode?: string }) => GpuJs;
  try {
    ({ GPU } = require('gpu.js') as { GPU: typeof GPU });
  } catch (e) {
    return { gpu: null, note: `gpu.js does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  const refused: string[] = [];
  for (const mode of ['webgpu', 'headlessgl', 'gpu', 'cpu']) {
    try {
      const g = new GPU({ mode });
      if (mode !== 'gpu' || g.mode !== 'cpu') {
        const version = (require('gpu.js/package.json') as { version: string }).version;
        return { gpu: g, note: `gpu.js ${version} runs in mode '${g.mode}'${refused.length ? `; refused here: ${refused.join('; ')}` : ''}` };
      }
      refused.push(`'gpu' (falls back to cpu)`);
    } catch (e) {
      refused.push(`'${mode}' (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }
  return { gpu: null, note: `gpu.js: no mode works (${refused.join('; ')})` };
}

function gpuJsMatmul(g: GpuJs, m: number, n: number, k: number): Contender {
  const a = Array.from({ length: m }, (_, i) => random(k, i + 1));
  const b = Array.from({ length: k }, (_, i) => random(n, i + 7));
  const kernel = g.createKernel(function (this: { thread: { x: number; y: number }; constants: { k: number } }, x: number[][], y: number[][]) {
    let s = 0;
    for (let i = 0; i < this.constants.k; i++) s += x[this.thread.y][i] * y[i][this.thread.x];
    return s;
  } as never, { output: [n, m], constants: { k } });
  return asyncContender(() => kernel(a, b), kernel);
}

/** gpu.js kernels in WebGPU mode return a Promise per run (it includes the readback). */
function asyncContender(call: () => unknown, kernel: GpuJsKernel): Contender {
  let pending: unknown[] = [];
  return {
    run: () => { pending.push(call()); },
    sync: async () => {
      const all = pending;
      pending = [];
      await Promise.all(all);
    },
    dispose: () => {
      try {
        kernel.destroy?.();
      } catch {
        // gpu.js rejects pending maps on destroy; nothing is pending here.
      }
    },
  };
}

function gpuJsConv(g: GpuJs, p: Conv2dParams): Contender {
  const x = Array.from({ length: p.n * p.inC }, (_, c) => Array.from({ length: p.inH }, (_, h) => random(p.inW, c * 1000 + h + 1)));
  const w = Array.from({ length: p.outC * p.inC }, (_, c) => Array.from({ length: p.kH }, (_, h) => random(p.kW, c * 100 + h + 5)));
  const kernel = g.createKernel(function (this: { thread: { x: number; y: number; z: number }; constants: { inC: number; k: number; pad: number; inH: number; inW: number; outC: number } }, xs: number[][][], ws: number[][][]) {
    const oc = this.thread.z % this.constants.outC;
    const img = Math.floor(this.thread.z / this.constants.outC);
    let s = 0;
    for (let c = 0; c < this.constants.inC; c++) {
      for (let i = 0; i < this.constants.k; i++) {
        const ih = this.thread.y + i - this.constants.pad;
        if (ih >= 0 && ih < this.constants.inH) {
          for (let j = 0; j < this.constants.k; j++) {
            const iw = this.thread.x + j - this.constants.pad;
            if (iw >= 0 && iw < this.constants.inW) s += xs[img * this.constants.inC + c][ih][iw] * ws[oc * this.constants.inC + c][i][j];
          }
        }
      }
    }
    return s;
  } as never, { output: [p.outW, p.outH, p.n * p.outC], constants: { inC: p.inC, k: p.kH, pad: p.padH, inH: p.inH, inW: p.inW, outC: p.outC } });
  return asyncContender(() => kernel(x, w), kernel);
}

// ---- workloads --------------------------------------------------------------------------------

function convParams(n: number, inC: number, h: number, w: number, outC: number, k: number, pad: number): Conv2dParams {
  return {
    n, inC, inH: h, inW: w, outC, kH: k, kW: k, strideH: 1, strideW: 1, padH: pad, padW: pad,
    dilationH: 1, dilationW: 1, groups: 1, outH: h + 2 * pad - k + 1, outW: w + 2 * pad - k + 1,
  };
}

/** gpu.js runs at a few dozen MFLOP/s here: larger workloads would take minutes per sample. */
const GPUJS_MAX_FLOPS = 4e8;

const f2 = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`);

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const outFile = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
  const quick = process.argv.includes('--quick');
  const samples = quick ? 3 : 5;

  const dawn = (await import('webgpu')) as { create(flags: string[]): GPU; globals: object };
  // tfjs-backend-webgpu reads GPUBufferUsage and friends as globals, as in browsers.
  Object.assign(globalThis, dawn.globals);
  const gpuObject = dawn.create([]);
  const ours = await createWebGPUBackend({ gpu: gpuObject });
  const { tf, description: tfDescription } = await startTfjs(gpuObject);
  const gpujs = startGpuJs();

  print('# WebGPU kernel benchmark');
  print();
  print(`- machine: ${describeMachine()}`);
  print(`- adapter: ${ours.describe()}`);
  print(`- peer: ${tfDescription}, same adapter (same GPU object), same process`);
  print(`- gpu.js: ${gpujs.note}`);
  print(`- timing: median of ${samples} interleaved samples; each sample enqueues one or more ops and waits for the queue (onSubmittedWorkDone), so submission and GPU time count, readback does not`);
  print();
  print('| kernel | shape | varmat webgpu GFLOP/s | tfjs-webgpu GFLOP/s | varmat / tfjs | gpu.js GFLOP/s |');
  print('|---|---|---:|---:|---:|---:|');

  const ratios: number[] = [];
  const matmuls: [number, number, number, boolean, boolean][] = quick
    ? [[256, 256, 256, false, false], [512, 512, 512, false, false]]
    : [[256, 256, 256, false, false], [512, 512, 512, false, false], [1024, 1024, 1024, false, false], [512, 512, 512, true, true], [128, 4096, 1024, false, true], [1, 4096, 1024, false, false]];
  for (const [m, n, k, transA, transB] of matmuls) {
    const p: MatmulParams = { batch: 1, m, n, k, transA, transB, batchedA: false, batchedB: false };
    const flops = 2 * m * n * k;
    const contenders = [
      varmatContender(ours, [m * k, k * n], ([a, b]) => ours.matmul(a!, b!, p)),
      tfContender(tf, () => {
        const a = tf.randomUniform(transA ? [k, m] : [m, k], -1, 1, 'float32', 1);
        const b = tf.randomUniform(transB ? [n, k] : [k, n], -1, 1, 'float32', 2);
        return { inputs: [a, b], op: () => tf.matMul(a, b, transA, transB) };
      }),
      gpujs.gpu && !transA && !transB && flops <= GPUJS_MAX_FLOPS ? gpuJsMatmul(gpujs.gpu, m, n, k) : undefined,
    ];
    const [v, t, g] = (await race(contenders, flops > 1e9 ? 3 : samples, 300)).map((ms) => (ms === undefined ? undefined : gflops(flops, ms)));
    if (v !== undefined && t !== undefined && Math.max(m, n, k) >= 256 && Math.min(m, n, k) >= 256) ratios.push(v / t);
    const shape = `${m}x${k} @ ${k}x${n}${transA ? ' (A^T)' : ''}${transB ? ' (B^T)' : ''}`;
    print(`| matmul | ${shape} | ${f2(v)} | ${f2(t)} | ${ratio(v, t)} | ${f2(g)} |`);
  }

  const convs: [string, Conv2dParams][] = quick
    ? [['3x3 same, 32 -> 32 ch, 32x32, batch 4', convParams(4, 32, 32, 32, 32, 3, 1)]]
    : [
      ['3x3 same, 32 -> 32 ch, 32x32, batch 4', convParams(4, 32, 32, 32, 32, 3, 1)],
      ['3x3 same, 64 -> 64 ch, 28x28, batch 2', convParams(2, 64, 28, 28, 64, 3, 1)],
      ['5x5 valid, 1 -> 32 ch, 28x28, batch 16 (AV-MNIST first layer)', convParams(16, 1, 28, 28, 32, 5, 0)],
    ];
  for (const [label, p] of convs) {
    const flops = 2 * p.n * p.outC * p.outH * p.outW * p.inC * p.kH * p.kW;
    const contenders = [
      varmatContender(ours, [p.n * p.inC * p.inH * p.inW, p.outC * p.inC * p.kH * p.kW], ([x, w]) => ours.conv2d(x!, w!, p)),
      tfContender(tf, () => {
        const x = tf.randomUniform([p.n, p.inH, p.inW, p.inC], -1, 1, 'float32', 3);
        const w = tf.randomUniform([p.kH, p.kW, p.inC, p.outC], -1, 1, 'float32', 4);
        return { inputs: [x, w], op: () => tf.conv2d(x as never, w as never, 1, p.padH === 0 ? 'valid' : 'same') };
      }),
      gpujs.gpu && flops <= GPUJS_MAX_FLOPS ? gpuJsConv(gpujs.gpu, p) : undefined,
    ];
    const [v, t, g] = (await race(contenders, flops > 1e9 ? 3 : samples, 300)).map((ms) => (ms === undefined ? undefined : gflops(flops, ms)));
    if (v !== undefined && t !== undefined) ratios.push(v / t);
    print(`| conv2d | ${label} (varmat NCHW, tfjs NHWC) | ${f2(v)} | ${f2(t)} | ${ratio(v, t)} | ${f2(g)} |`);
  }
  print();
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / Math.max(1, ratios.length));
  print(`Geometric mean of varmat / tfjs-webgpu over the matmuls with all sides >= 256 and the convolutions: ${geo.toFixed(2)}x.`);
  print(gpujs.gpu?.mode === 'webgpu'
    ? 'gpu.js ran in its WebGPU mode on the same adapter (navigator.gpu set to the same GPU object); each gpu.js run includes reading the result back (its WebGPU kernels return a Promise of the values), so its column carries a readback the others do not; it is left out above 4e8 FLOP (minutes per sample). Its headless-gl mode does not run here (the native `gl` module needs an install script that downloads or compiles a binary).'
    : 'gpu.js ran only in its CPU mode here, so its column measures JavaScript on the CPU; it is left out above 512^3 and 4e8 FLOP.');
  gpujs.gpu?.destroy();
  ours.destroy();
  (tf.backend() as unknown as TfWebGPUBackend).device.destroy();
  if (outFile) {
    saveReport(outFile);
    console.log(`wrote ${outFile}`);
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
