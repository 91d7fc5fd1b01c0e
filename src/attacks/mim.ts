import { dispose, tidy } from '../memory.js';
import type { Rng } from '../random.js';
import { add, div, mul } from '../ops/elementwise.js';
import { rowNorms } from '../ops/norms.js';
import { Attack, boolOption, intOption, numberOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';

/** Options of `mim`. */
export interface MimOptions extends AttackOptions {
  /** Gradient steps (default 10). */
  steps?: number;
  /** Step size in units of each sample's radius (default 1 / steps, as MI-FGSM: eps / T). */
  stepSize?: number;
  /** Momentum decay mu (default 1.0). */
  decay?: number;
  /** Start from a random point instead of the clean value (default false). */
  randomStart?: boolean;
}

/**
 * The momentum iterative method (MI-FGSM, Dong et al. 2018): the gradient, divided by its per-sample
 * L1 norm, is accumulated with decay mu, and each step moves along the norm's steepest-ascent
 * direction of the accumulated momentum (its sign for L-inf, its L2 normalisation for L2).
 *
 * @example
 * const adv = new Mim({ eps: 0.2, steps: 10, decay: 1 }).run(model, { inputs, labels });
 */
export class Mim extends Attack<MimOptions> {
  readonly steps: number;
  readonly stepSize: number;
  readonly decay: number;
  readonly randomStart: boolean;

  constructor(options: MimOptions) {
    super('mim', options, ['steps', 'stepSize', 'decay', 'randomStart']);
    this.steps = intOption(this.name, 'steps', options.steps, 10, 0);
    this.stepSize = numberOption(this.name, 'stepSize', options.stepSize, this.steps === 0 ? 0 : 1 / this.steps);
    this.decay = numberOption(this.name, 'decay', options.decay, 1);
    this.randomStart = boolOption(this.name, 'randomStart', options.randomStart, false);
  }

  get gradientSteps(): number {
    return this.steps;
  }

  with(changes: Partial<MimOptions>): Mim {
    return new Mim(this.merged(changes));
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let delta = this.randomStart ? ctx.randomStart(rng, noise) : ctx.zeros();
    let momentum = ctx.zeros();
    for (let t = 0; t < this.steps; t++) {
      const [prevDelta, prevMomentum] = [delta, momentum];
      [delta, momentum] = tidy(() => {
        const { grad } = ctx.lossAndGrad(prevDelta);
        const m: Modal = {};
        for (const name of ctx.names) {
          const l1 = ctx.column(rowNorms(grad[name], 1), name);
          // A zero gradient row stays zero instead of 0 / 0.
          m[name] = add(mul(prevMomentum[name], this.decay), div(grad[name], add(l1, 1e-12)));
        }
        return [ctx.ascend(prevDelta, m, this.stepSize), m] as const;
      });
      dispose([prevDelta, prevMomentum]);
    }
    dispose(momentum);
    return delta;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { steps: this.steps, stepSize: this.stepSize, decay: this.decay, randomStart: this.randomStart };
  }
}

/**
 * MIM (momentum iterative FGSM).
 *
 * @example
 * const atk = vm.attacks.mim({ space: 'input', norm: 'linf', eps: 0.1, steps: 10, ranges: [0, 1] });
 */
export function mim(options: MimOptions): Mim {
  return new Mim(options);
}
