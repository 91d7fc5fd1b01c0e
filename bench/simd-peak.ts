import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gflops } from './timing.js';

interface ProbeExports {
  peakSplit(iters: number, seed: number): number;
  peakFused(iters: number, seed: number): number;
  SPLIT_FLOPS: WebAssembly.Global;
  FUSED_FLOPS: WebAssembly.Global;
}

/** Peak 128-bit SIMD throughput measured by the probes in assembly/probe/peak.ts. */
export interface SimdPeak {
  /** Best of separate f32x4 multiply and add streams (what code without FMA can reach). */
  mulAdd: number;
  /** Fused multiply-add chains (relaxed SIMD), if this runtime has relaxed SIMD. */
  fma: number | undefined;
}

async function load(variant: 'simd' | 'relaxed'): Promise<ProbeExports | undefined> {
  const path = fileURLToPath(new URL(`../build/probe-${variant}.wasm`, import.meta.url));
  const bytes = readFileSync(path);
  if (!WebAssembly.validate(bytes)) return undefined;
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports as unknown as ProbeExports;
}

function best(run: (iters: number) => void, flopsPerIter: number): number {
  const iters = 5_000_000;
  run(100_000); // tier up
  let top = 0;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    run(iters);
    top = Math.max(top, gflops(iters * flopsPerIter, performance.now() - t0));
  }
  return top;
}

/**
 * Measures this CPU's 128-bit SIMD peak: the best of several runs of independent multiply and
 * add chains, and of fused multiply-add chains where relaxed SIMD is available.
 */
export async function measureSimdPeak(): Promise<SimdPeak> {
  const simd = await load('simd');
  if (simd === undefined) throw new Error('this runtime has no WebAssembly SIMD');
  const mulAdd = Math.max(
    best((n) => simd.peakSplit(n, 1), simd.SPLIT_FLOPS.value as number),
    best((n) => simd.peakFused(n, 1), simd.FUSED_FLOPS.value as number),
  );
  const relaxed = await load('relaxed');
  const fma = relaxed === undefined ? undefined : best((n) => relaxed.peakFused(n, 1), relaxed.FUSED_FLOPS.value as number);
  return { mulAdd, fma };
}

/** A probe as a bench workload: `run` does `flops` floating-point operations. */
export interface PeakWorkload {
  run(): void;
  flops: number;
}

/**
 * The probes as workloads, to be timed interleaved with the kernels (so that the fraction of peak
 * compares runs made under the same load): separate mul/add streams, and fused chains where
 * relaxed SIMD exists. Each call runs about 2 ms.
 */
export async function peakWorkloads(): Promise<{ mulAdd: PeakWorkload; fma: PeakWorkload | undefined }> {
  const iters = 500_000;
  const simd = await load('simd');
  if (simd === undefined) throw new Error('this runtime has no WebAssembly SIMD');
  const relaxed = await load('relaxed');
  return {
    mulAdd: { run: () => simd.peakSplit(iters, 1), flops: iters * (simd.SPLIT_FLOPS.value as number) },
    fma: relaxed === undefined
      ? undefined
      : { run: () => relaxed.peakFused(iters, 1), flops: iters * (relaxed.FUSED_FLOPS.value as number) },
  };
}
