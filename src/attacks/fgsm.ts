import type { Rng } from '../random.js';
import { Attack, boolOption, numberOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';

/** Options of `fgsm`. */
export interface FgsmOptions extends AttackOptions {
  /** Start from a random point of the ball instead of the clean value (FGSM-RS). Default false. */
  randomStart?: boolean;
  /**
   * Step size in units of each sample's radius (default 1: a step of eps). Wong et al.'s FGSM-RS
   * uses 1.25; VARMAT's latent FGSM-RS uses 1.
   */
  stepSize?: number;
}

/**
 * The fast gradient (sign) method: one step of size `stepSize * r` in the norm's steepest-ascent
 * direction (sign of the gradient for L-inf, the L2-normalised gradient for L2), from the clean
 * value or a random start, projected onto the budget and the value range.
 *
 * @example
 * const adv = new Fgsm({ space: 'input', norm: 'linf', eps: 0.1, ranges: [0, 1] }).run(model, { inputs, labels });
 */
export class Fgsm extends Attack<FgsmOptions> {
  readonly randomStart: boolean;
  readonly stepSize: number;

  constructor(options: FgsmOptions) {
    super(options.randomStart ? 'fgsm-rs' : 'fgsm', options, ['randomStart', 'stepSize']);
    this.randomStart = boolOption(this.name, 'randomStart', options.randomStart, false);
    this.stepSize = numberOption(this.name, 'stepSize', options.stepSize, 1);
  }

  get gradientSteps(): number {
    return 1;
  }

  with(changes: Partial<FgsmOptions>): Fgsm {
    return new Fgsm(this.merged(changes));
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    const start = this.randomStart ? ctx.randomStart(rng, noise) : ctx.zeros();
    const { grad } = ctx.lossAndGrad(start);
    return ctx.ascend(start, grad, this.stepSize);
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { randomStart: this.randomStart, stepSize: this.stepSize };
  }
}

/**
 * FGSM: one step of eps along the sign of the gradient (L-inf) or the normalised gradient (L2).
 *
 * @example
 * const atk = vm.attacks.fgsm({ space: 'input', norm: 'linf', eps: 8 / 255, ranges: [0, 1] });
 * const adv = atk.run(model, { inputs, labels });
 */
export function fgsm(options: FgsmOptions): Fgsm {
  return new Fgsm(options);
}
