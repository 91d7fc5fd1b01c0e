/**
 * Per-sample losses that attacks maximise: cross-entropy and the Difference of Logits Ratio of
 * Croce & Hein (2020), or any function of (logits, labels) that returns one loss per sample.
 */

import { fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { crossEntropy } from '../ops/nn.js';
import { oneHot } from '../ops/movement.js';
import { add, div, mul, neg, sub, where } from '../ops/elementwise.js';
import { argmax, max, sum } from '../ops/reduce.js';

/** A per-sample loss: logits [B, C] and int32 labels [B] to losses [B] (higher = more adversarial). */
export type LossFn = (logits: Tensor, labels: Tensor) => Tensor;

/** The built-in attack losses by name. */
export type LossName = 'ce' | 'dlr';

/**
 * Cross-entropy per sample.
 *
 * @example
 * const l = ceLoss(logits, labels);   // [B]
 */
export function ceLoss(logits: Tensor, labels: Tensor): Tensor {
  return crossEntropy(logits, labels, { reduction: 'none' });
}

/**
 * The Difference of Logits Ratio loss (Croce & Hein 2020, AutoAttack):
 * -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3 + 1e-12), with z_pi the logits sorted in decreasing
 * order. Invariant to shifting and scaling the logits; needs at least 3 classes.
 *
 * @example
 * const l = dlrLoss(logits, labels);  // [B], in about [-1, 1]
 */
export function dlrLoss(logits: Tensor, labels: Tensor): Tensor {
  const classes = logits.shape[1];
  if (logits.rank !== 2 || classes < 3) fail('SHAPE', 'dlrLoss', 'logits', 'a tensor [B, C] with C >= 3 classes (DLR uses the third largest logit)', logits.shape);
  return tidy(() => {
    const dtype = logits.dtype === 'float64' ? 'float64' : 'float32';
    const y = oneHot(labels, classes, dtype);
    const zy = sum(mul(logits, y), -1);
    const other = max(where(y, -Infinity, logits), -1);
    const top1 = oneHot(argmax(logits, -1), classes, dtype);
    const rest1 = where(top1, -Infinity, logits);
    const top2 = oneHot(argmax(rest1, -1), classes, dtype);
    const z1 = max(logits, -1);
    const z3 = max(where(add(top1, top2), -Infinity, logits), -1);
    return neg(div(sub(zy, other), add(sub(z1, z3), 1e-12)));
  });
}

/** @internal Resolves a loss option: a name or a function. */
export function resolveLoss(op: string, loss: LossName | LossFn | undefined): LossFn {
  if (loss === undefined || loss === 'ce') return ceLoss;
  if (loss === 'dlr') return dlrLoss;
  if (typeof loss === 'function') return loss;
  return fail('OPTION', op, 'loss', "'ce', 'dlr' or a function (logits, labels) => per-sample losses", loss);
}

/** @internal The name a loss option is reported under. */
export function lossName(loss: LossName | LossFn | undefined): string {
  if (loss === undefined) return 'ce';
  return typeof loss === 'function' ? (loss.name || 'custom') : loss;
}
