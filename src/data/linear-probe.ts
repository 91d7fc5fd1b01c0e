/**
 * A linear probe: multinomial logistic regression in plain TypeScript (standardised features,
 * mini-batch Adam, L2 penalty). It needs no backend, so the data layer can check on its own that a
 * dataset is learnable (e.g. spoken digits from spectrograms) and measure domain gaps.
 */

import { checkOptions, fail } from '../errors.js';
import { Rng } from '../random.js';

/** Options of `trainLinearProbe`. */
export interface LinearProbeOptions {
  /** Passes over the data (default 40). */
  epochs?: number;
  /** Adam step size (default 0.01). */
  learningRate?: number;
  /** Mini-batch size (default 64). */
  batchSize?: number;
  /** L2 penalty on the weights (default 1e-3). */
  l2?: number;
  /** Seed of the shuffling (default 0). */
  seed?: number;
}

/** A trained probe. */
export interface LinearProbe {
  features: number;
  classes: number;
  /** Predicts the class of each of the `x.length / features` rows of `x`. */
  predict(x: Float32Array): Int32Array;
}

/**
 * Trains multinomial logistic regression on rows of `x` (`labels.length` rows of equal width).
 *
 * @example
 * const probe = trainLinearProbe(trainX, trainY, 10);
 * probeAccuracy(probe.predict(testX), testY); // e.g. 0.9
 */
export function trainLinearProbe(x: Float32Array, labels: Int32Array, classes: number, options: LinearProbeOptions = {}): LinearProbe {
  const op = 'trainLinearProbe';
  checkOptions(op, options, ['epochs', 'learningRate', 'batchSize', 'l2', 'seed']);
  const n = labels.length;
  if (n === 0 || x.length % n !== 0) fail('SHAPE', op, 'x', `a multiple of labels.length = ${n} elements`, x.length);
  const d = x.length / n;
  for (let i = 0; i < n; i++) if (!(labels[i] >= 0 && labels[i] < classes)) fail('VALUE', op, `labels[${i}]`, `an int in 0..${classes - 1}`, labels[i]);
  const epochs = options.epochs ?? 40;
  const lr = options.learningRate ?? 0.01;
  const batch = options.batchSize ?? 64;
  const l2 = options.l2 ?? 1e-3;
  // Feature standardisation, fitted on the training rows.
  const mean = new Float64Array(d);
  const inv = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inv[j] += (x[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) inv[j] = 1 / Math.sqrt(inv[j] / n + 1e-8);
  const P = (d + 1) * classes; // weights [classes, d] then biases
  const w = new Float64Array(P);
  const g = new Float64Array(P);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const z = new Float64Array(classes);
  const row = new Float64Array(d);
  const rng = new Rng(options.seed ?? 0);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(n);
    for (let b0 = 0; b0 < n; b0 += batch) {
      const b1 = Math.min(n, b0 + batch);
      g.fill(0);
      for (let bi = b0; bi < b1; bi++) {
        const i = order[bi];
        for (let j = 0; j < d; j++) row[j] = (x[i * d + j] - mean[j]) * inv[j];
        let top = -Infinity;
        for (let c = 0; c < classes; c++) {
          let s = w[classes * d + c];
          const wc = c * d;
          for (let j = 0; j < d; j++) s += w[wc + j] * row[j];
          z[c] = s;
          if (s > top) top = s;
        }
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += (z[c] = Math.exp(z[c] - top));
        for (let c = 0; c < classes; c++) {
          const delta = z[c] / sum - (labels[i] === c ? 1 : 0);
          const wc = c * d;
          for (let j = 0; j < d; j++) g[wc + j] += delta * row[j];
          g[classes * d + c] += delta;
        }
      }
      step++;
      const scale = 1 / (b1 - b0);
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let p = 0; p < P; p++) {
        const gp = g[p] * scale + (p < classes * d ? l2 * w[p] : 0);
        m1[p] = 0.9 * m1[p] + 0.1 * gp;
        m2[p] = 0.999 * m2[p] + 0.001 * gp * gp;
        w[p] -= (lr * (m1[p] / c1)) / (Math.sqrt(m2[p] / c2) + 1e-8);
      }
    }
  }
  return {
    features: d,
    classes,
    predict(xs: Float32Array): Int32Array {
      if (xs.length % d !== 0) fail('SHAPE', 'LinearProbe.predict', 'x', `a multiple of ${d} elements`, xs.length);
      const rows = xs.length / d;
      const out = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        let best = 0;
        let bestV = -Infinity;
        for (let c = 0; c < classes; c++) {
          let s = w[classes * d + c];
          for (let j = 0; j < d; j++) s += w[c * d + j] * (xs[i * d + j] - mean[j]) * inv[j];
          if (s > bestV) {
            bestV = s;
            best = c;
          }
        }
        out[i] = best;
      }
      return out;
    },
  };
}

/**
 * The fraction of `predicted` equal to `labels`.
 *
 * @example
 * probeAccuracy(Int32Array.of(1, 2), Int32Array.of(1, 3)); // 0.5
 */
export function probeAccuracy(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length) fail('SHAPE', 'probeAccuracy', 'predicted', `length ${labels.length}`, predicted.length);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
