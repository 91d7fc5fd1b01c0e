// Shared helpers for backend equivalence tests: a seeded PRNG and a norm-wise comparison that
// never lets NaN or infinities pass by accident.

import type { TypedArray } from '../../src/dtype.js';

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` float32 values uniform in [lo, hi). */
export function uniform(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** `n` int32 values uniform in [lo, hi). */
export function integers(n: number, seed: number, lo: number, hi: number): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor((hi - lo) * r());
  return out;
}

/** Result of `compare`: the norm-wise relative error, or why the arrays cannot be compared. */
export interface Comparison {
  rel: number;
  problem?: string;
}

/**
 * ||out - ref|| / ||ref|| over the finite entries of `ref` (absolute error when ||ref|| = 0),
 * after checking that both arrays have the same length and that NaN and infinities sit at the same
 * places with the same signs. Any mismatch there, or a NaN anywhere in the error, is a problem.
 */
export function compare(out: TypedArray, ref: TypedArray): Comparison {
  if (out.length !== ref.length) return { rel: Infinity, problem: `length ${out.length} vs ${ref.length}` };
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const o = out[i]!;
    const r = ref[i]!;
    if (Number.isNaN(r) || Number.isNaN(o)) {
      if (Number.isNaN(r) !== Number.isNaN(o)) return { rel: Infinity, problem: `NaN mismatch at ${i}: ${o} vs ${r}` };
      continue;
    }
    if (!Number.isFinite(r) || !Number.isFinite(o)) {
      if (o !== r) return { rel: Infinity, problem: `infinity mismatch at ${i}: ${o} vs ${r}` };
      continue;
    }
    num += (o - r) ** 2;
    den += r * r;
  }
  const rel = den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
  if (Number.isNaN(rel)) return { rel: Infinity, problem: 'error is NaN' };
  return { rel };
}

/** Exact equality of two integer arrays; returns the first mismatch or undefined. */
export function firstMismatch(out: TypedArray, ref: TypedArray): string | undefined {
  if (out.length !== ref.length) return `length ${out.length} vs ${ref.length}`;
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(out[i], ref[i]) && !(out[i] === 0 && ref[i] === 0)) return `at ${i}: ${out[i]} vs ${ref[i]}`;
  }
  return undefined;
}
