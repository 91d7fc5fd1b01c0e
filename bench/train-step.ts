// Training-step benchmark (issue 5): samples/s of one training step (forward, backward, Adam update)
//  1. of the paper's AV-MNIST Perceiver (510,402 parameters, batch 40 as the paper trains) on each
//     backend that is available here (reference, wasm, webgpu);
//  2. of a small CNN (conv 5x5 1->8, pool, conv 5x5 8->16, pool, fc 784->64, fc 64->10; batch 64,
//     28x28 inputs, 10 classes) in varmat's wasm backend and in @tensorflow/tfjs with its wasm backend
//     (XNNPACK, SIMD, single-threaded), timed interleaved in the same run.
//
// tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so a plain tfjs training step with conv
// layers fails on it. The bench gives tfjs the filter gradient through tf.customGrad, computed with
// kernels tfjs-wasm does have: the filter gradient of a stride-1 convolution is itself a
// convolution, of the input with batch and channels swapped (CHWN) by the output gradient used as
// the filter ([outH, outW, N, outC]), with the forward padding; its [inC, kH, kW, outC] result is
// transposed to HWIO. The input gradient uses tfjs's own Conv2DBackpropInput; the first layer's input
// gradient, which no one needs, is skipped (tfjs's own gradients are lazy in the same way).
//
//   npx tsx bench/train-step.ts [--out FILE.md] [--perceiver-batch 40] [--cnn-batch 64]

import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import * as vm from '../src/index.js';
import { existsSync, mkdirSync } from 'node:fs';
import { createWasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { createWebGPUBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { Conv2d, Flatten, Linear, MaxPool2d, PerceiverFusion, ReLU, Sequential, presets, type Module } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { describeMachine } from './machine.js';
import { initTfjsWasm } from './tfjs-peer.js';
import { measureInterleaved } from './timing.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const outFile = args.includes('--out') ? flag('--out', '') : null;
const perceiverBatch = Number(flag('--perceiver-batch', '40'));
const cnnBatch = Number(flag('--cnn-batch', '64'));
// Software WebGPU (SwiftShader) runs well under 1 GFLOP/s: a small batch keeps the run short.
const webgpuBatch = Number(flag('--webgpu-batch', '4'));

const lines: string[] = [];
function print(line = ''): void {
  console.log(line);
  lines.push(line);
}

function random(n: number, seed: number): Float32Array {
  const rng = new vm.Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform());
}

/** One varmat training step: cross-entropy of `forward`, backward, Adam update. */
function varmatStep(model: Module, forward: () => vm.Tensor, labels: vm.Tensor, opt: Adam): () => void {
  return () => {
    vm.tidy(() => vm.crossEntropy(forward(), labels).backward());
    opt.step();
    opt.zeroGrad();
  };
}

// ---- 1. the Perceiver per backend -------------------------------------------------------------
interface Contender { name: string; step: () => void; dispose: () => void }

function perceiverContender(backend: vm.BackendName, batch: number): Contender {
  vm.setBackend(backend);
  const model = new PerceiverFusion(presets.avmnist, { rng: 0, backend });
  const raw = {
    colorlessimage: { data: random(batch * 784, 1), shape: [batch, 28, 28] },
    audiospec: { data: random(batch * 112 * 112, 2), shape: [batch, 112, 112] },
  };
  const inputs = model.prepareInputs(raw);
  for (const t of Object.values(inputs)) vm.keep(t);
  const labels = vm.tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch], { dtype: 'int32', backend });
  const opt = new Adam(model.namedParameters(), { lr: 8e-4, weightDecay: 1e-3 });
  const step = varmatStep(model, () => model.forward(inputs), labels, opt);
  return {
    name: backend,
    step: () => {
      vm.setBackend(backend);
      step();
    },
    dispose: () => {
      opt.dispose();
      model.dispose();
      vm.dispose([labels, ...Object.values(inputs)]);
    },
  };
}

/**
 * The Perceiver step on WebGPU, timed with a read-back of the loss after each step (WebGPU runs
 * asynchronously). Returns milliseconds per step, or why it could not run.
 */
async function perceiverWebgpu(batch: number): Promise<{ ms: number; adapter: string } | { reason: string }> {
  // Without a GPU, Dawn needs a Vulkan driver: SwiftShader from Debian's chromium package.
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
  if (!process.env.XDG_RUNTIME_DIR) {
    mkdirSync('/tmp/varmat-xdg', { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = '/tmp/varmat-xdg';
  }
  let gpu: Awaited<ReturnType<typeof createWebGPUBackend>>;
  try {
    gpu = await createWebGPUBackend();
  } catch (e) {
    return { reason: (e as Error).message.split('\n')[0] };
  }
  vm.registerBackend(gpu);
  vm.setBackend('webgpu');
  const model = new PerceiverFusion(presets.avmnist, { rng: 0, backend: 'webgpu' });
  const inputs = model.prepareInputs({
    colorlessimage: { data: random(batch * 784, 1), shape: [batch, 28, 28] },
    audiospec: { data: random(batch * 112 * 112, 2), shape: [batch, 112, 112] },
  });
  for (const t of Object.values(inputs)) vm.keep(t);
  const labels = vm.tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch], { dtype: 'int32', backend: 'webgpu' });
  const opt = new Adam(model.namedParameters(), { lr: 8e-4, weightDecay: 1e-3 });
  const step = async (): Promise<void> => {
    const loss = vm.tidy(() => {
      const l = vm.crossEntropy(model.forward(inputs), labels);
      l.backward(undefined, { retainGraph: false });
      return l.detach();
    });
    opt.step();
    opt.zeroGrad();
    await loss.data();
    loss.dispose();
  };
  try {
    await step();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { ms: times[1], adapter: gpu.describe() };
  } finally {
    opt.dispose();
    model.dispose();
    vm.dispose([labels, ...Object.values(inputs)]);
    vm.setBackend('wasm');
    gpu.destroy();
  }
}

// ---- 2. the small CNN, varmat and tfjs ---------------------------------------------------------
function varmatCnn(batch: number): Contender {
  vm.setBackend('wasm');
  const rng = new vm.Rng(0);
  const net = new Sequential([
    new Conv2d(1, 8, 5, { padding: 2, rng }), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 5, { padding: 2, rng }), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(784, 64, { rng }), new ReLU(), new Linear(64, 10, { rng }),
  ]);
  const x = vm.tensor(random(batch * 784, 3), [batch, 1, 28, 28]);
  const labels = vm.tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch], { dtype: 'int32' });
  const opt = new Adam(net.namedParameters(), { lr: 1e-3 });
  const step = varmatStep(net, () => net.forward(x), labels, opt);
  return {
    name: 'varmat wasm',
    step: () => {
      vm.setBackend('wasm');
      step();
    },
    dispose: () => {
      opt.dispose();
      net.dispose();
      vm.dispose([x, labels]);
    },
  };
}

/** The filter gradient of a stride-1 NHWC convolution with symmetric padding `pad`, as a convolution. */
function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, pad: number): tf.Tensor4D {
  return tf.tidy(() => {
    const xc = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;   // [inC, H, W, N]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;   // [outH, outW, N, outC]
    const g = tf.conv2d(xc, f, 1, [[0, 0], [pad, pad], [pad, pad], [0, 0]]); // [inC, kH, kW, outC]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;       // HWIO
  });
}

/** A 'same' 5x5 convolution with a filter gradient tfjs-wasm can compute. */
function tfConv(needInputGrad: boolean): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]): { value: tf.Tensor4D; gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.Tensor[] } => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dx = needInputGrad ? tf.conv2dTranspose(dy, sw, sx.shape, 1, 'same') : tf.zerosLike(sx);
        return [dx, convFilterGrad(sx, dy, 2)];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}

function tfjsCnn(batch: number): Contender {
  const uni = (shape: number[], fanIn: number, seed: number): tf.Variable => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed));
  const w1 = uni([5, 5, 1, 8], 25, 1);
  const b1 = uni([8], 25, 2);
  const w2 = uni([5, 5, 8, 16], 200, 3);
  const b2 = uni([16], 200, 4);
  const w3 = uni([784, 64], 784, 5);
  const b3 = uni([64], 784, 6);
  const w4 = uni([64, 10], 64, 7);
  const b4 = uni([10], 64, 8);
  const conv1 = tfConv(false);
  const conv2 = tfConv(true);
  const x = tf.tensor4d(random(batch * 784, 3), [batch, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  const opt = tf.train.adam(1e-3);
  const loss = (): tf.Scalar => {
    const h1 = tf.maxPool(tf.relu(tf.add(conv1(x, w1 as unknown as tf.Tensor4D), b1)) as tf.Tensor4D, 2, 2, 'valid') as tf.Tensor4D;
    const h2 = tf.maxPool(tf.relu(tf.add(conv2(h1, w2 as unknown as tf.Tensor4D), b2)) as tf.Tensor4D, 2, 2, 'valid');
    const h3 = tf.relu(tf.add(tf.matMul(tf.reshape(h2, [batch, 784]), w3), b3));
    const logits = tf.add(tf.matMul(h3, w4), b4);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  return {
    name: 'tfjs wasm',
    step: () => {
      const l = opt.minimize(loss, true);
      l?.dispose();
    },
    dispose: () => {
      opt.dispose();
      tf.dispose([w1, b1, w2, b2, w3, b3, w4, b4, x, y]);
    },
  };
}

/**
 * tfjs-core's Node build registers no gradients (the umbrella @tensorflow/tfjs package imports
 * `register_all_gradients`, whose ESM files Node cannot load: they use directory imports). The bench
 * bundles that module with esbuild and imports it; the registrations land in tfjs's global registry,
 * which every copy of tfjs-core shares.
 */
async function registerTfjsGradients(): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const built = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error' });
  await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
}

// ---- run ----------------------------------------------------------------------------------------
const wasm = await createWasmBackend();
vm.registerBackend(wasm);
print(`# Training-step throughput (${new Date().toISOString().slice(0, 10)})`);
print();
print(`Machine: ${describeMachine()}`);
print(`varmat wasm: ${wasm.describe()}`);
print(`tfjs: ${await initTfjsWasm()}`);
await registerTfjsGradients();
print();

print(`## AV-MNIST Perceiver (510,402 parameters), batch ${perceiverBatch}: forward + backward + Adam`);
print();
print('| backend | ms / step | samples/s |');
print('|---|---|---|');
const fast = [perceiverContender('wasm', perceiverBatch)];
const [wasmMs] = measureInterleaved(fast.map((c) => c.step), { samples: 5, minSampleMs: 1, warmupMs: 1 });
fast.forEach((c) => c.dispose());
print(`| wasm | ${wasmMs!.toFixed(1)} | ${((1000 * perceiverBatch) / wasmMs!).toFixed(1)} |`);
const ref = perceiverContender('reference', perceiverBatch);
const [refMs] = measureInterleaved([ref.step], { samples: 1, minSampleMs: 1, warmupMs: 1 });
ref.dispose();
print(`| reference | ${refMs!.toFixed(0)} | ${((1000 * perceiverBatch) / refMs!).toFixed(2)} |`);
const gpu = await perceiverWebgpu(webgpuBatch);
if ('ms' in gpu) print(`| webgpu (batch ${webgpuBatch}) | ${gpu.ms.toFixed(0)} | ${((1000 * webgpuBatch) / gpu.ms).toFixed(2)} |`);
else print(`| webgpu | - | not measured: ${gpu.reason} |`);
print();
if ('ms' in gpu) print(`WebGPU adapter: ${gpu.adapter}`);
print();

print(`## Small CNN (2 conv + 2 linear), batch ${cnnBatch}, 28x28, 10 classes: forward + backward + Adam`);
print();
const cnns = [varmatCnn(cnnBatch), tfjsCnn(cnnBatch)];
const cnnMs = measureInterleaved(cnns.map((c) => c.step), { samples: 9, minSampleMs: 100, warmupMs: 300 });
cnns.forEach((c) => c.dispose());
print('| implementation | ms / step | samples/s | vs tfjs |');
print('|---|---|---|---|');
cnns.forEach((c, i) => print(`| ${c.name} | ${cnnMs[i]!.toFixed(2)} | ${((1000 * cnnBatch) / cnnMs[i]!).toFixed(0)} | ${(cnnMs[1]! / cnnMs[i]!).toFixed(2)}x |`));
print();
print('Medians of interleaved samples (each contender warmed up first). tfjs gets its conv filter gradient');
print('as a convolution (see the header of bench/train-step.ts): tfjs-backend-wasm has no Conv2DBackpropFilter kernel.');
if (outFile) writeFileSync(outFile, `${lines.join('\n')}\n`);
