import { fail } from '../errors.js';
import { dispose, tidy } from '../memory.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Attack, boolOption, intOption, numberOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';
import { checkSchedule, scheduleFactor, type StepSchedule } from './step-schedule.js';

/** Options of `pgd`. */
export interface PgdOptions extends AttackOptions {
  /** Gradient steps (default 10). */
  steps?: number;
  /** Step size in units of each sample's radius (default 1 / steps: the paper's r / I). */
  stepSize?: number;
  /** Start from a random point (sphere for L2, box for L-inf). Default true. */
  randomStart?: boolean;
  /** Independent runs; each sample keeps the best (a misclassifying one, else the highest loss). Default 1. */
  restarts?: number;
  /** How the step size changes over the steps (default 'constant'). */
  schedule?: StepSchedule;
  /**
   * Which iterate each run returns: 'last' (default, as the paper's evaluation) or 'best' (per
   * sample, a misclassifying iterate of highest loss, else the highest-loss one; the start counts).
   * With 'best', no random start and a first step of 1 (e.g. `schedule: (t) => (t === 0 ? 1 : 0.25)`),
   * the first iterate is FGSM's point, so the attack is at least as strong as FGSM on every sample,
   * and more steps never make it weaker.
   */
  keep?: 'last' | 'best';
}

/**
 * Projected gradient descent (ascent on the loss), Madry et al.: from a random start, `steps`
 * steps of `stepSize * r` along the norm's steepest-ascent direction, each projected onto the
 * budget and the value range. Returns the last iterate of each run (as the paper's evaluation
 * does) or its best (`keep: 'best'`); with restarts, the best run per sample.
 *
 * @example
 * const adv = new Pgd({ eps: 0.2, steps: 10, restarts: 3, seed: 0 }).run(model, { inputs, labels });
 */
export class Pgd extends Attack<PgdOptions> {
  readonly steps: number;
  readonly stepSize: number;
  readonly randomStart: boolean;
  readonly restarts: number;
  readonly schedule: StepSchedule;
  readonly keep: 'last' | 'best';

  constructor(options: PgdOptions) {
    super('pgd', options, ['steps', 'stepSize', 'randomStart', 'restarts', 'schedule', 'keep']);
    this.steps = intOption(this.name, 'steps', options.steps, 10, 0);
    this.stepSize = numberOption(this.name, 'stepSize', options.stepSize, this.steps === 0 ? 0 : 1 / this.steps);
    this.randomStart = boolOption(this.name, 'randomStart', options.randomStart, true);
    this.restarts = intOption(this.name, 'restarts', options.restarts, 1, 1);
    this.schedule = checkSchedule(this.name, options.schedule);
    const keep = options.keep ?? 'last';
    if (keep !== 'last' && keep !== 'best') fail('OPTION', this.name, 'keep', "'last' or 'best'", keep);
    this.keep = keep;
  }

  get gradientSteps(): number {
    return this.steps * this.restarts;
  }

  with(changes: Partial<PgdOptions>): Pgd {
    return new Pgd(this.merged(changes));
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let best: { delta: Modal; fooled: Tensor; loss: Tensor } | null = null;
    for (let run = 0; run < this.restarts; run++) {
      let delta = this.randomStart ? ctx.randomStart(rng, run === 0 ? noise : undefined) : ctx.zeros();
      let iterBest: { delta: Modal; fooled: Tensor; loss: Tensor } | null = null;
      for (let t = 0; t < this.steps; t++) {
        const size = this.stepSize * scheduleFactor(this.schedule, t, this.steps);
        const prev = delta;
        const { loss, logits, grad } = ctx.lossAndGrad(prev);
        delta = tidy(() => ctx.ascend(prev, grad, size));
        dispose(grad);
        if (this.keep === 'best') {
          iterBest = fold(ctx, iterBest, prev, ctx.fooled(logits), loss);
        } else {
          dispose([prev, loss]);
        }
        logits.dispose();
      }
      if (this.keep === 'best') delta = keepBest(ctx, iterBest, delta).delta;
      if (this.restarts === 1) return delta;
      best = keepBest(ctx, best, delta);
    }
    return best!.delta;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return {
      steps: this.steps, stepSize: this.stepSize, randomStart: this.randomStart, restarts: this.restarts,
      schedule: typeof this.schedule === 'function' ? 'custom' : this.schedule, keep: this.keep,
    };
  }
}

/** Folds a scored candidate (its fooled flags and loss, which it takes over) into the best so far. */
function fold(ctx: AttackContext, best: { delta: Modal; fooled: Tensor; loss: Tensor } | null, delta: Modal, fooled: Tensor, loss: Tensor): { delta: Modal; fooled: Tensor; loss: Tensor } {
  if (best === null) return { delta, fooled, loss };
  const next = tidy(() => {
    const mask = ctx.better(fooled, loss, best.fooled, best.loss);
    return { delta: ctx.select(mask, delta, best.delta), fooled: ctx.select1(mask, fooled, best.fooled), loss: ctx.select1(mask, loss, best.loss) };
  });
  dispose([best.delta, best.fooled, best.loss, delta, fooled, loss]);
  return next;
}

/**
 * @internal Folds a candidate into the best-so-far per sample (a misclassifying candidate beats one that is
 * not; then the higher loss); frees what is no longer needed.
 */
export function keepBest(ctx: AttackContext, best: { delta: Modal; fooled: Tensor; loss: Tensor } | null, delta: Modal): { delta: Modal; fooled: Tensor; loss: Tensor } {
  const s = ctx.score(delta);
  const fooled = ctx.fooled(s.logits);
  s.logits.dispose();
  return fold(ctx, best, delta, fooled, s.loss);
}

/**
 * PGD: iterated projected gradient steps from a random start (the paper's evaluation attack is
 * `pgd({ eps: 0.2, steps: 10 })` in latent space: step r / 10, relative radii split equally).
 *
 * @example
 * const atk = vm.attacks.pgd({ space: 'latent', norm: 'l2', eps: 0.2, relative: true, steps: 10, seed: 0 });
 * const adv = atk.run(model, { inputs, labels });
 */
export function pgd(options: PgdOptions): Pgd {
  return new Pgd(options);
}
