import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import type { NormOrder } from '../../backend.js';

function rowMax(x: TypedArray, base: number, cols: number): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[base + j];
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

/** Softmax over each row, max-subtracted for stability. */
export function softmax(x: TypedArray, rows: number, cols: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, rows * cols);
  const e = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = rowMax(x, base, cols);
    let s = 0;
    for (let j = 0; j < cols; j++) s += e[j] = Math.exp(x[base + j] - m);
    for (let j = 0; j < cols; j++) out[base + j] = e[j] / s;
  }
  return out;
}

/** log-softmax over each row: x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: TypedArray, rows: number, cols: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = rowMax(x, base, cols);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[base + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < cols; j++) out[base + j] = x[base + j] - lse;
  }
  return out;
}

/**
 * Mean and 1 / sqrt(biased variance + eps) of one row, with the operations in the order of
 * layerNorm's differentiable backward pass, so that the fused kernels and it agree exactly.
 */
function rowStats(x: TypedArray, base: number, cols: number, eps: number): [number, number] {
  let mean = 0;
  for (let j = 0; j < cols; j++) mean += x[base + j];
  mean /= cols;
  let v = 0;
  for (let j = 0; j < cols; j++) {
    const xc = x[base + j] - mean;
    v += xc * xc;
  }
  return [mean, 1 / Math.sqrt(v / cols + eps)];
}

export function layerNorm(
  x: TypedArray, gamma: TypedArray, beta: TypedArray, rows: number, cols: number, eps: number, dtype: DType,
): TypedArray {
  const out = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const [mean, rstd] = rowStats(x, base, cols, eps);
    for (let j = 0; j < cols; j++) out[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
  }
  return out;
}

/** layerNorm's backward pass per row: [dx, g * xhat] (see Backend.layerNormBackward). */
export function layerNormBackward(
  x: TypedArray, gamma: TypedArray, g: TypedArray, rows: number, cols: number, eps: number, dtype: DType,
): [TypedArray, TypedArray] {
  const dx = allocArray(dtype, rows * cols);
  const gxhat = allocArray(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    // In the order of the differentiable form, so that both give identical float64 results.
    const [mean, rstd] = rowStats(x, base, cols, eps);
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < cols; j++) {
      const d = g[base + j] * gamma[j];
      m1 += d;
      m2 += d * ((x[base + j] - mean) * rstd);
    }
    m1 /= cols;
    m2 /= cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[base + j] - mean) * rstd;
      dx[base + j] = rstd * (g[base + j] * gamma[j] - m1 - xhat * m2);
      gxhat[base + j] = g[base + j] * xhat;
    }
  }
  return [dx, gxhat];
}

export function rowNorms(x: TypedArray, rows: number, cols: number, p: NormOrder, dtype: DType): TypedArray {
  const out = allocArray(dtype, rows);
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let j = 0; j < cols; j++) {
      const a = Math.abs(x[r * cols + j]);
      if (p === 1) acc += a;
      else if (p === 2) acc += a * a;
      else if (a > acc || Number.isNaN(a)) acc = a;
    }
    out[r] = p === 2 ? Math.sqrt(acc) : acc;
  }
  return out;
}
