import { fail } from '../errors.js';

/**
 * How the step size of an iterative attack changes over its steps: a multiplier of the base step
 * at step t of T (t from 0). 'constant' (1), 'linear' (1 - t/T, down to 1/T), 'cosine'
 * ((1 + cos(pi t / T)) / 2), or your own function.
 */
export type StepSchedule = 'constant' | 'linear' | 'cosine' | ((step: number, steps: number) => number);

/**
 * The multiplier of `schedule` at step `t` of `steps`.
 *
 * @example
 * scheduleFactor('cosine', 5, 10);   // 0.5
 */
export function scheduleFactor(schedule: StepSchedule, t: number, steps: number): number {
  if (schedule === 'constant') return 1;
  if (schedule === 'linear') return 1 - t / steps;
  if (schedule === 'cosine') return (1 + Math.cos((Math.PI * t) / steps)) / 2;
  const v = schedule(t, steps);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail('VALUE', 'stepSchedule', 'schedule', 'a function returning finite numbers >= 0', v);
  return v;
}

/** @internal Checks a schedule option. */
export function checkSchedule(op: string, v: unknown): StepSchedule {
  if (v === undefined) return 'constant';
  if (v === 'constant' || v === 'linear' || v === 'cosine' || typeof v === 'function') return v as StepSchedule;
  return fail('OPTION', op, 'schedule', "'constant', 'linear', 'cosine' or a function (step, steps) => factor", v);
}
