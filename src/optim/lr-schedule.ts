import { checkOptions, fail } from '../errors.js';

/**
 * A learning-rate schedule: the rate at epoch `t` (0-based; fractional values interpolate within an
 * epoch where the schedule is continuous). Schedules are pure functions of `t`, so resuming a run
 * needs no schedule state.
 */
export interface LrSchedule {
  readonly kind: 'constant' | 'step' | 'cosine';
  lrAt(t: number): number;
  /** A JSON description (for logs and checkpoint sidecars). */
  toJSON(): Record<string, number | string>;
}

function checkBase(op: string, lr: number): void {
  if (!(lr >= 0 && Number.isFinite(lr))) fail('VALUE', op, 'lr', 'a finite number >= 0', lr);
}

/**
 * The same rate throughout (the paper's setting).
 *
 * @example
 * vm.optim.constantLr(8e-4).lrAt(10);   // 8e-4
 */
export function constantLr(lr: number): LrSchedule {
  checkBase('constantLr', lr);
  return { kind: 'constant', lrAt: () => lr, toJSON: () => ({ kind: 'constant', lr }) };
}

/**
 * Multiplies the rate by `gamma` every `stepSize` epochs (PyTorch's StepLR): lr * gamma^floor(t / stepSize).
 *
 * @example
 * vm.optim.stepLr(0.1, { stepSize: 30, gamma: 0.1 }).lrAt(65);   // 0.001
 */
export function stepLr(lr: number, options: { stepSize: number; gamma?: number }): LrSchedule {
  checkBase('stepLr', lr);
  checkOptions('stepLr', options, ['stepSize', 'gamma']);
  const { stepSize } = options;
  const gamma = options.gamma ?? 0.1;
  if (!Number.isInteger(stepSize) || stepSize < 1) fail('VALUE', 'stepLr', 'stepSize', 'a positive integer', stepSize);
  if (!(gamma > 0)) fail('VALUE', 'stepLr', 'gamma', 'a number > 0', gamma);
  return {
    kind: 'step',
    lrAt: (t) => lr * gamma ** Math.floor(t / stepSize),
    toJSON: () => ({ kind: 'step', lr, stepSize, gamma }),
  };
}

/**
 * Cosine annealing from `lr` to `minLr` over `total` epochs (PyTorch's CosineAnnealingLR without
 * restarts): minLr + (lr - minLr) (1 + cos(pi t / total)) / 2, held at minLr after `total`.
 *
 * @example
 * vm.optim.cosineLr(1e-3, { total: 10 }).lrAt(5);   // 5e-4
 */
export function cosineLr(lr: number, options: { total: number; minLr?: number }): LrSchedule {
  checkBase('cosineLr', lr);
  checkOptions('cosineLr', options, ['total', 'minLr']);
  const { total } = options;
  const minLr = options.minLr ?? 0;
  if (!(total > 0)) fail('VALUE', 'cosineLr', 'total', 'a number > 0', total);
  if (!(minLr >= 0 && minLr <= lr)) fail('VALUE', 'cosineLr', 'minLr', `a number in [0, ${lr}]`, minLr);
  return {
    kind: 'cosine',
    lrAt: (t) => minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * Math.min(t, total) / total))) / 2,
    toJSON: () => ({ kind: 'cosine', lr, total, minLr }),
  };
}
