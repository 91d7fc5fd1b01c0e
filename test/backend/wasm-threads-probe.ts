// Bundled by wasm-threads-runtimes.test.ts and run in Deno and in headless Chromium: creates the wasm
// backend single-threaded and with two threads (every splittable kernel split), runs a few kernels
// of each kind on both, and prints one line `varmat-threads {json}` saying whether the threaded
// backend really runs threads and whether every result is bit-identical.
import { createWasmBackend } from '../../src/backend/wasm/wasm-backend.js';
import type { DataHandle } from '../../src/backend/backend.js';

type Be = Awaited<ReturnType<typeof createWasmBackend>>;

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

const KERNELS: [string, (be: Be) => DataHandle][] = [
  ['matmul', (be) => be.matmul(be.upload(values(3 * 37 * 29, 1), 'float32'), be.upload(values(3 * 29 * 41, 2), 'float32'), { batch: 3, m: 37, n: 41, k: 29, transA: false, transB: false, batchedA: true, batchedB: true })],
  ['gelu', (be) => be.unary('gelu', be.upload(values(5001, 3), 'float32'))],
  ['binary', (be) => be.binary('mul', be.upload(values(9 * 7 * 13, 4), 'float32'), [9, 7, 13], be.upload(values(13, 5), 'float32'), [13], [9, 7, 13])],
  ['stridedCopy', (be) => be.stridedCopy(be.upload(values(6 * 5 * 4 * 3, 6), 'float32'), [6, 4, 5, 3], [60, 3, 12, 1], 0)],
  ['softmax', (be) => be.softmax(be.upload(values(33 * 17, 7), 'float32'), 33, 17)],
  ['layerNorm', (be) => be.layerNorm(be.upload(values(33 * 17, 8), 'float32'), be.upload(values(17, 9), 'float32'), be.upload(values(17, 10), 'float32'), 33, 17, 1e-5)],
  ['reduce', (be) => be.reduce('sum', be.upload(values(11 * 13 * 5, 11), 'float32'), [11, 13, 5], [1])],
  ['batched matmul (runs of entries)', (be) => be.matmul(be.upload(values(37 * 7 * 9, 12), 'float32'), be.upload(values(37 * 9 * 5, 13), 'float32'), { batch: 37, m: 7, n: 5, k: 9, transA: false, transB: true, batchedA: true, batchedB: true })],
  ['geluBackward', (be) => be.geluBackward(be.upload(values(3001, 14), 'float32'), be.upload(values(3001, 15), 'float32'), be.upload(values(3001, 16), 'float32'))],
  ['layerNormBackward', (be) => be.layerNormBackward(be.upload(values(33 * 17, 17), 'float32'), be.upload(values(17, 18), 'float32'), be.upload(values(33 * 17, 19), 'float32'), 33, 17, 1e-5)[1]],
];

const one = await createWasmBackend({ threads: 1 });
const two = await createWasmBackend({ threads: 2, minParallelFlops: 0, minParallelElements: 0 });
const mismatches: string[] = [];
for (const [name, run] of KERNELS) {
  const a = one.readSync(run(one));
  const b = two.readSync(run(two));
  if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]))) mismatches.push(name);
}
const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? null;
console.log(`varmat-threads ${JSON.stringify({ threads: two.threads, describe: two.describe(), mismatches, kernels: KERNELS.length, crossOriginIsolated: isolated })}`);
two.destroy();
