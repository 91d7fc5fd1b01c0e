/**
 * PCA energy removal for AV-MNIST images, as the original AV-MNIST was made: fit principal components
 * on the training images, keep the fewest leading components that hold (1 - energyRemoved) of the
 * total variance, and replace each image by its reconstruction from them (mean + projections), clipped
 * to [0, 1]. With the default 0.75, a quarter of the variance remains and the digits become blurry.
 *
 * Fitting: the covariance is accumulated exactly from the uint8 pixels (integer sums over each image's
 * non-zero pixels); the leading eigenvectors come from subspace iteration with Rayleigh-Ritz steps
 * (Jacobi on the small projected matrix), seeded, so the result is deterministic.
 */

import { checkOptions, fail } from '../errors.js';
import { Rng } from '../random.js';

/** A fitted filter: `k` orthonormal components (row-major [k, features]) and the mean. */
export interface PcaEnergyFilter {
  features: number;
  k: number;
  mean: Float64Array;
  components: Float64Array;
  /** Fraction of the variance held by the kept components. */
  energyKept: number;
  /** Variances (eigenvalues) of the kept components, descending. */
  variances: Float64Array;
}

/** Options of `fitPcaEnergyFilter`. */
export interface PcaFitOptions {
  /** Multiplies the uint8 pixels (default 1 / 255). */
  scale?: number;
  /** Seed of the starting subspace (default 0). */
  seed?: number;
}

/** Symmetric eigen-decomposition of a small dense matrix by cyclic Jacobi: returns [values, vectors (columns)]. */
function jacobiEigen(a: Float64Array, n: number): [Float64Array, Float64Array] {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = A[i * n + j] * A[i * n + j];
        norm += v;
        if (i !== j) off += v;
      }
    }
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return [values, V];
}

/** Orthonormalises the b columns of the row-major [d, b] matrix in place (modified Gram-Schmidt). */
function orthonormalize(m: Float64Array, d: number, b: number): void {
  for (let j = 0; j < b; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += m[r * b + i] * m[r * b + j];
      for (let r = 0; r < d; r++) m[r * b + j] -= dot * m[r * b + i];
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += m[r * b + j] * m[r * b + j];
    norm = Math.sqrt(norm);
    if (norm === 0) fail('VALUE', 'fitPcaEnergyFilter', 'data', 'enough variance for the requested components', 'a rank-deficient subspace');
    for (let r = 0; r < d; r++) m[r * b + j] /= norm;
  }
}

/**
 * Fits the energy-removal filter on `count` uint8 images of `features` pixels each.
 *
 * @example
 * const filter = fitPcaEnergyFilter(mnist.train.images.subarray(0, 55000 * 784), 55000, 784, 0.75);
 * filter.k; // a handful of components
 */
export function fitPcaEnergyFilter(
  pixels: Uint8Array,
  count: number,
  features: number,
  energyRemoved: number,
  options: PcaFitOptions = {},
): PcaEnergyFilter {
  const op = 'fitPcaEnergyFilter';
  checkOptions(op, options, ['scale', 'seed']);
  if (!(energyRemoved >= 0 && energyRemoved < 1)) fail('VALUE', op, 'energyRemoved', 'a number in [0, 1)', energyRemoved);
  if (pixels.length !== count * features) fail('SHAPE', op, 'pixels', `${count} x ${features} = ${count * features} values`, pixels.length);
  const d = features;
  const scale = options.scale ?? 1 / 255;
  // Exact integer moments.
  const sum = new Float64Array(d);
  const prod = new Float64Array(d * d);
  const nz = new Int32Array(d);
  const vals = new Float64Array(d);
  for (let s = 0; s < count; s++) {
    const base = s * d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const v = pixels[base + j];
      if (v !== 0) {
        nz[m] = j;
        vals[m++] = v;
      }
    }
    for (let a = 0; a < m; a++) {
      const va = vals[a];
      sum[nz[a]] += va;
      const row = nz[a] * d;
      for (let b = a; b < m; b++) prod[row + nz[b]] += va * vals[b];
    }
  }
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) mean[j] = (sum[j] / count) * scale;
  const cov = new Float64Array(d * d);
  let trace = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = (prod[i * d + j] / count) * scale * scale - mean[i] * mean[j];
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
    trace += cov[i * d + i];
  }
  const target = (1 - energyRemoved) * trace;
  const rng = new Rng(options.seed ?? 0);
  for (let b = Math.min(d, 16); ; b = Math.min(d, 2 * b)) {
    const V = new Float64Array(d * b);
    for (let i = 0; i < V.length; i++) V[i] = rng.uniform() - 0.5;
    orthonormalize(V, d, b);
    const W = new Float64Array(d * b);
    let values: Float64Array = new Float64Array(b);
    let vectors: Float64Array = new Float64Array(b * b);
    let order: number[] = [];
    let k = b;
    for (let iter = 0; iter < 2000; iter++) {
      // W = C V
      W.fill(0);
      for (let i = 0; i < d; i++) {
        for (let r = 0; r < d; r++) {
          const c = cov[i * d + r];
          if (c === 0) continue;
          for (let j = 0; j < b; j++) W[i * b + j] += c * V[r * b + j];
        }
      }
      // Rayleigh-Ritz: H = V^T C V.
      const H = new Float64Array(b * b);
      for (let i = 0; i < b; i++) {
        for (let j = i; j < b; j++) {
          let s = 0;
          for (let r = 0; r < d; r++) s += V[r * b + i] * W[r * b + j];
          H[i * b + j] = s;
          H[j * b + i] = s;
        }
      }
      const previous = order.map((i) => values[i]);
      [values, vectors] = jacobiEigen(H, b);
      order = Array.from({ length: b }, (_, i) => i).sort((x, y) => values[y] - values[x] || x - y);
      let acc = 0;
      k = b;
      for (let i = 0; i < b; i++) {
        acc += values[order[i]];
        if (acc >= target) {
          k = i + 1;
          break;
        }
      }
      if (energyRemoved === 0) k = d;
      const watch = Math.min(b, k + 1);
      let converged = previous.length === b;
      for (let i = 0; converged && i < watch; i++) {
        if (Math.abs(values[order[i]] - previous[i]) > 1e-12 * values[order[0]]) converged = false;
      }
      if (converged) break;
      // V = orth(C V)
      V.set(W);
      orthonormalize(V, d, b);
    }
    const guard = b === d ? 0 : Math.max(4, b >> 2);
    if (k + guard > b && b < d) continue;
    // Ritz vectors of the kept components: V * vectors[:, order[i]].
    const components = new Float64Array(k * d);
    const variances = new Float64Array(k);
    let kept = 0;
    for (let c = 0; c < k; c++) {
      const col = order[c];
      variances[c] = values[col];
      kept += values[col];
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let j = 0; j < b; j++) s += V[r * b + j] * vectors[j * b + col];
        components[c * d + r] = s;
      }
    }
    return { features: d, k, mean, components, energyKept: kept / trace, variances };
  }
}

/**
 * Replaces each uint8 image by its reconstruction from the kept components, clipped to [0, 1] (the
 * pixels are scaled by `scale`, default 1/255, first). Writes `count * features` floats into `out`.
 *
 * @example
 * applyPcaEnergyFilter(filter, pixels, 100, out);
 */
export function applyPcaEnergyFilter(filter: PcaEnergyFilter, pixels: Uint8Array, count: number, out: Float32Array, scale = 1 / 255): Float32Array {
  const { features: d, k, mean, components } = filter;
  if (pixels.length < count * d || out.length < count * d) fail('SHAPE', 'applyPcaEnergyFilter', 'pixels/out', `at least ${count * d} values`, [pixels.length, out.length]);
  const coef = new Float64Array(k);
  for (let s = 0; s < count; s++) {
    const base = s * d;
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += components[c * d + j] * (pixels[base + j] * scale - mean[j]);
      coef[c] = v;
    }
    for (let j = 0; j < d; j++) {
      let v = mean[j];
      for (let c = 0; c < k; c++) v += coef[c] * components[c * d + j];
      out[base + j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}
