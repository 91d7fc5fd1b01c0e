import { checkOptions, fail } from '../errors.js';
import { Rng } from '../random.js';
import { normalizeAxis, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { tidy } from '../memory.js';
import { engine } from '../engine.js';
import { backendOf, checkDtype, checkFloat, checkSameDtype, checkTensor, wrap } from './op.js';
import { add, exp, mul, neg, rsqrt, sub, sumTo } from './elementwise.js';
import { oneHot, permute } from './movement.js';
import { mean, sum } from './reduce.js';
import { tensor } from './creation.js';

/** Runs a last-axis row kernel along any axis by moving that axis last and back. */
function alongAxis(op: string, x: Tensor, axis: number, lastAxis: (x: Tensor) => Tensor): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  if (x.rank === 0) fail('SHAPE', op, 'x', 'a tensor of rank >= 1', x.shape);
  const a = normalizeAxis(op, axis, x.rank);
  if (a === x.rank - 1) return lastAxis(x);
  const perm = x.shape.map((_, i) => i);
  perm[a] = x.rank - 1;
  perm[x.rank - 1] = a;
  return tidy(() => permute(lastAxis(permute(x, perm)), perm));
}

function rowsCols(x: Tensor): [number, number] {
  const cols = x.shape[x.rank - 1];
  return [cols === 0 ? 0 : x.size / cols, cols];
}

/**
 * Softmax along `axis` (last by default), max-subtracted for stability.
 *
 * @example
 * vm.tensor([1, 2, 3]).softmax(); // [0.090, 0.245, 0.665]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('softmax', x, axis, (x) => {
    const b = backendOf('softmax', [x]);
    const [r, c] = rowsCols(x);
    const y = wrap(b, b.softmax(x.storage.handle, r, c), x.shape);
    // dx = y * (g - sum(g * y))
    return record('softmax', [x], y, (g) => [tidy(() => mul(y, sub(g, sum(mul(g, y), -1, true))))]);
  });
}

/** log(softmax(x)) along `axis`, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('logSoftmax', x, axis, (x) => {
    const b = backendOf('logSoftmax', [x]);
    const [r, c] = rowsCols(x);
    const y = wrap(b, b.logSoftmax(x.storage.handle, r, c), x.shape);
    // dx = g - softmax(x) * sum(g), with softmax(x) = exp(y) so that the history stays connected.
    return record('logSoftmax', [x], y, (g) => [tidy(() => sub(g, mul(exp(y), sum(g, -1, true))))]);
  });
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** 'mean' (default) over samples, 'sum', or 'none' for one loss per sample. */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of `logits` [N, C] against int32 class `labels` [N], from logits (log-softmax
 * inside, numerically stable).
 *
 * @example
 * const loss = vm.crossEntropy(logits, labels);            // batch mean, like PyTorch
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, ['reduction']);
  checkTensor('crossEntropy', 'logits', logits);
  checkTensor('crossEntropy', 'labels', labels);
  checkFloat('crossEntropy', 'logits', logits);
  checkDtype('crossEntropy', 'labels', labels, 'int32');
  if (logits.rank !== 2) fail('SHAPE', 'crossEntropy', 'logits', 'a tensor of shape [N, C]', logits.shape);
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    fail('SHAPE', 'crossEntropy', 'labels', `a tensor of shape [${logits.shape[0]}]`, labels.shape);
  }
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) {
    fail('OPTION', 'crossEntropy', 'reduction', "'mean', 'sum' or 'none'", reduction);
  }
  const classes = logits.shape[1];
  const labelValues = labels.backend.name === 'webgpu' ? null : labels.dataSync();
  if (labelValues) {
    const bad = labelValues.findIndex((v) => v < 0 || v >= classes);
    if (bad >= 0) fail('VALUE', 'crossEntropy', 'labels', `class indices in [0, ${classes - 1}]`, `${labelValues[bad]} at position ${bad}`);
  }
  return tidy(() => {
    const target = oneHot(labels, classes, logits.dtype === 'float64' ? 'float64' : 'float32');
    const perSample = neg(sum(mul(target, logSoftmax(logits)), -1));
    if (reduction === 'none') return perSample;
    return reduction === 'sum' ? sum(perSample) : mean(perSample);
  });
}

/**
 * Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, biased
 * variance (as PyTorch). One fused kernel forward; the gradient is written in ops from x, so
 * second-order gradients are exact.
 *
 * @example
 * vm.layerNorm(x, gamma, beta, 1e-5);
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  checkTensor('layerNorm', 'x', x);
  checkTensor('layerNorm', 'gamma', gamma);
  checkTensor('layerNorm', 'beta', beta);
  checkFloat('layerNorm', 'x', x);
  checkSameDtype('layerNorm', x, gamma);
  checkSameDtype('layerNorm', x, beta);
  if (x.rank === 0) fail('SHAPE', 'layerNorm', 'x', 'a tensor of rank >= 1', x.shape);
  const cols = x.shape[x.rank - 1];
  if (!sameShape(gamma.shape, [cols])) fail('SHAPE', 'layerNorm', 'gamma', `shape [${cols}]`, gamma.shape);
  if (!sameShape(beta.shape, [cols])) fail('SHAPE', 'layerNorm', 'beta', `shape [${cols}]`, beta.shape);
  if (!(eps > 0)) fail('VALUE', 'layerNorm', 'eps', 'a positive number', eps);
  const b = backendOf('layerNorm', [x, gamma, beta]);
  const [r, c] = rowsCols(x);
  const y = wrap(b, b.layerNorm(x.storage.handle, gamma.storage.handle, beta.storage.handle, r, c, eps), x.shape);
  return record('layerNorm', [x, gamma, beta], y, (g, needs) => {
    if (!engine.gradEnabled) {
      // Not recording (no createGraph): the gradient need not be differentiable, so one fused kernel
      // gives dx and g * xhat (whose row sum is d gamma).
      const [dxH, gxhatH] = b.layerNormBackward(x.storage.handle, gamma.storage.handle, g.storage.handle, r, c, eps);
      const gxhat = wrap(b, gxhatH, x.shape);
      const dgamma = needs[1] ? sumTo(gxhat, gamma.shape) : null;
      if (dgamma !== gxhat) gxhat.dispose();
      return [wrap(b, dxH, x.shape), dgamma, needs[2] ? sumTo(g, beta.shape) : null];
    }
    return layerNormGrad(x, gamma, g, needs, eps);
  });
}

/** layerNorm's backward pass written with differentiable ops (for gradients of gradients). */
function layerNormGrad(x: Tensor, gamma: Tensor, g: Tensor, needs: readonly boolean[], eps: number): (Tensor | null)[] {
  return tidy(() => {
    const mu = mean(x, -1, true);
    const xc = sub(x, mu);
    const rstd = rsqrt(add(mean(mul(xc, xc), -1, true), eps));
    const xhat = mul(xc, rstd);
    let dx: Tensor | null = null;
    if (needs[0]) {
      const dxhat = mul(g, gamma);
      const t = sub(sub(dxhat, mean(dxhat, -1, true)), mul(xhat, mean(mul(dxhat, xhat), -1, true)));
      dx = mul(t, rstd);
    }
    const dgamma = needs[1] ? sumTo(mul(g, xhat), gamma.shape) : null;
    const dbeta = needs[2] ? sumTo(g, gamma.shape) : null;
    return [dx, dgamma, dbeta];
  });
}

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Seed or generator of the mask (required: randomness is always explicit). */
  rng: Rng | number;
  /** When false, dropout is the identity (evaluation). Default true. */
  training?: boolean;
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1 / (1 - p) (inverted dropout).
 * The mask is drawn on the host from a seeded generator, so it is the same on every backend.
 *
 * @example
 * vm.dropout(x, 0.1, { rng: 7 });
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  checkOptions('dropout', options, ['rng', 'training']);
  checkTensor('dropout', 'x', x);
  checkFloat('dropout', 'x', x);
  if (!(p >= 0 && p < 1)) fail('VALUE', 'dropout', 'p', 'a probability in [0, 1)', p);
  if (options.training === false || p === 0) return mul(x, 1);
  const rng = typeof options.rng === 'number' ? new Rng(options.rng) : options.rng;
  if (!(rng instanceof Rng)) fail('OPTION', 'dropout', 'rng', 'an Rng or an integer seed', options.rng);
  const keepScale = 1 / (1 - p);
  const maskValues = new Float64Array(x.size);
  for (let i = 0; i < maskValues.length; i++) maskValues[i] = rng.uniform() < p ? 0 : keepScale;
  return tidy(() => mul(x, tensor(maskValues, x.shape, { dtype: x.dtype, backend: x.backend.name })));
}


