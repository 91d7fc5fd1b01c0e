/**
 * Times several contenders fairly on a shared machine: each is warmed up (so the optimizing wasm
 * tier is in place) and calibrated to samples of at least `minSampleMs`, then samples are taken
 * round-robin, so a slow spell on the machine hits every contender alike. Returns the median
 * milliseconds per call of each; `undefined` entries are skipped.
 *
 * @example
 * const [a, b] = measureInterleaved([() => workA(), () => workB()]);
 */
export function measureInterleaved(
  fns: readonly ((() => void) | undefined)[],
  options: { samples?: number; minSampleMs?: number; warmupMs?: number } = {},
): (number | undefined)[] {
  const samples = options.samples ?? 7;
  const minSampleMs = options.minSampleMs ?? 50;
  const warmupMs = options.warmupMs ?? 120;
  const calls = fns.map((fn) => {
    if (fn === undefined) return 0;
    const t0 = performance.now();
    let n = 0;
    do {
      fn();
      n++;
    } while (performance.now() - t0 < warmupMs && n < 1000);
    const perCall = (performance.now() - t0) / n;
    return Math.max(1, Math.ceil(minSampleMs / Math.max(perCall, 1e-3)));
  });
  const times: number[][] = fns.map(() => []);
  for (let s = 0; s < samples; s++) {
    fns.forEach((fn, i) => {
      if (fn === undefined) return;
      const t0 = performance.now();
      for (let c = 0; c < calls[i]!; c++) fn();
      times[i]!.push((performance.now() - t0) / calls[i]!);
    });
  }
  return times.map((t, i) => (fns[i] === undefined ? undefined : median(t)));
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / ms / 1e6;
}
