import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** A prepared workload: `run` does the op once; `dispose` frees its inputs. */
export interface Workload {
  run(): void;
  dispose(): void;
}

/**
 * Starts @tensorflow/tfjs-backend-wasm (XNNPACK) single-threaded with SIMD, loading its .wasm
 * files from node_modules. Returns a description of what was loaded.
 */
export async function initTfjsWasm(): Promise<string> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  // Single-threaded: the threaded build would use workers and SharedArrayBuffer.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(`${join(dir, 'dist')}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to start');
  await tf.ready();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  if (!simd || threads) throw new Error(`tfjs wasm: expected SIMD single-threaded, got simd=${simd} threads=${threads}`);
  return `@tensorflow/tfjs-backend-wasm ${tf.version_core} (XNNPACK, tfjs-backend-wasm-simd.wasm, single-threaded)`;
}

/** C[m, n] = A[m, k] B[k, n]. */
export function tfMatmul(m: number, n: number, k: number): Workload {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2);
  return {
    run: () => tf.matMul(a, b).dispose(),
    dispose: () => tf.dispose([a, b]),
  };
}

/** Convolution in tfjs's NHWC layout with HWIO filters, 'valid' or 'same' padding. */
export function tfConv2d(
  n: number, inC: number, h: number, w: number, outC: number, k: number, pad: 'valid' | 'same',
): Workload {
  const x = tf.randomUniform([n, h, w, inC], -1, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomUniform([k, k, inC, outC], -1, 1, 'float32', 2) as tf.Tensor4D;
  return {
    run: () => tf.conv2d(x, f, 1, pad).dispose(),
    dispose: () => tf.dispose([x, f]),
  };
}

/** The input gradient of that convolution (tfjs Conv2DBackpropInput, via conv2dTranspose). */
export function tfConv2dGradInput(
  n: number, inC: number, h: number, w: number, outC: number, k: number, pad: 'valid' | 'same',
): Workload {
  const outH = pad === 'same' ? h : h - k + 1;
  const outW = pad === 'same' ? w : w - k + 1;
  const dy = tf.randomUniform([n, outH, outW, outC], -1, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomUniform([k, k, inC, outC], -1, 1, 'float32', 2) as tf.Tensor4D;
  return {
    run: () => tf.conv2dTranspose(dy, f, [n, h, w, inC], 1, pad).dispose(),
    dispose: () => tf.dispose([dy, f]),
  };
}
