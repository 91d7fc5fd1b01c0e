// Matmul GFLOP/s on the shapes of the VARMAT training step (a Perceiver, batch 40), 1 and 2 threads.
//
//   npx tsx bench/matmul-shapes.ts                      # this tree's kernels
//   npx tsx bench/matmul-shapes.ts --base /tmp/base     # also a second checkout's, interleaved
//   npx tsx bench/matmul-shapes.ts --threads 1 --samples 21 --filter 480x
//   npx tsx bench/matmul-shapes.ts --simd                # the plain SIMD build (no relaxed SIMD)
//   npx tsx bench/matmul-shapes.ts --cold                # rotate over 12 input pairs, keep 12 outputs alive
//                                                        # (operands and results not in cache, as in a step)
//
// With --base, the backend of that checkout (kernels built there) is timed round-robin with this
// one's, so both see the same load; each figure is the median of the samples.

import v8 from 'node:v8';
import type { Backend, DataHandle, MatmulParams } from '../src/backend/backend.js';
import { createWasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { random } from './report.js';
import { gflops, measureInterleaved } from './timing.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

type Shape = [batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean];

// batch x [m x k] x [k x n]; T = transposed operand (A stored [k, m], B stored [n, k]).
const SHAPES: Shape[] = [
  [480, 20, 64, 20, false, true],
  [480, 20, 20, 64, false, false],
  [480, 20, 20, 64, true, false],
  [320, 20, 64, 20, false, true],
  [320, 20, 20, 64, false, false],
  [320, 20, 20, 64, true, false],
  [80, 20, 64, 49, false, true],
  [80, 20, 49, 64, false, false],
  [80, 49, 20, 64, true, false],
  [1, 1600, 64, 256, false, true],
  [1, 1600, 256, 64, false, false],
  [1, 256, 1600, 64, true, false],
  [1, 1600, 64, 384, false, true],
  [1, 1600, 384, 64, false, false],
  [1, 1600, 256, 64, false, true],
  [1, 64, 1600, 256, true, false],
  [1, 3920, 284, 64, false, true],
  [1, 64, 3920, 284, true, false],
];

function label([batch, m, k, n, ta, tb]: Shape): string {
  return `${batch}x[${m}x${k}]${ta ? 'T' : ''}x[${k}x${n}]${tb ? 'T' : ''}`;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const base = arg('--base');
  const threads = (arg('--threads') ?? '1,2').split(',').map(Number);
  const samples = Number(arg('--samples') ?? 15);
  const filter = arg('--filter');
  // --shapes 480,20,64,20,0,1;...: batch, m, k, n, transA, transB instead of the workload's.
  const custom = arg('--shapes');
  const shapes: Shape[] = custom === undefined ? SHAPES : custom.split(';').map((t) => {
    const [batch, m, k, n, ta, tb] = t.split(',').map(Number);
    return [batch!, m!, k!, n!, ta === 1, tb === 1];
  });
  type Create = typeof createWasmBackend;
  const creators: [string, Create][] = [];
  if (base !== undefined) {
    const mod = (await import(`${base}/src/backend/wasm/wasm-backend.ts`)) as { createWasmBackend: Create };
    creators.push(['base', mod.createWasmBackend]);
  }
  creators.push(['new', createWasmBackend]);
  const backends: { name: string; be: Backend & { destroy(): void } }[] = [];
  for (const t of threads) {
    for (const [name, create] of creators) {
      const be = await create({ threads: t, ...(process.argv.includes('--simd') ? { relaxedSimd: false } : {}) });
      backends.push({ name: `${name} ${t}t`, be });
    }
  }
  const variant = (backends[0]!.be as unknown as { variant: string }).variant;
  console.log(`variant ${variant}; median of ${samples} samples; GFLOP/s`);
  console.log(['shape', ...backends.map((b) => b.name)].join(' | '));
  const totals = backends.map(() => 0);
  for (const s of shapes) {
    if (filter !== undefined && !label(s).includes(filter)) continue;
    const [batch, m, k, n, transA, transB] = s;
    const p: MatmulParams = { batch, m, n, k, transA, transB, batchedA: batch > 1, batchedB: batch > 1 };
    const flops = 2 * batch * m * n * k;
    const copies = process.argv.includes('--cold') ? 12 : 1;
    const inputs = backends.map(({ be }) => Array.from({ length: copies }, (_, c) => [
      be.upload(random(batch * m * k, 1 + 2 * c), 'float32'),
      be.upload(random(batch * k * n, 2 + 2 * c), 'float32'),
    ] as [DataHandle, DataHandle]));
    const live: DataHandle[][] = backends.map(() => []);
    const fns = backends.map(({ be }, i) => {
      let call = 0;
      return () => {
        const [a, b] = inputs[i]![call++ % copies]!;
        live[i]!.push(be.matmul(a, b, p));
        if (live[i]!.length >= copies) be.release(live[i]!.shift()!);
      };
    });
    const ms = measureInterleaved(fns, { samples, minSampleMs: 20 });
    ms.forEach((t, i) => { totals[i]! += t!; });
    console.log([label(s), ...ms.map((t) => gflops(flops, t!).toFixed(1))].join(' | '));
    backends.forEach(({ be }, i) => {
      live[i]!.forEach((h) => be.release(h));
      inputs[i]!.forEach((pair) => pair.forEach((h) => be.release(h)));
    });
  }
  console.log(['total ms', ...totals.map((t) => t.toFixed(2))].join(' | '));
  for (const { be } of backends) be.destroy();
}

void main();
