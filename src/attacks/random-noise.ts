import { dispose, tidy } from '../memory.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { randn } from '../ops/creation.js';
import { mul, sign } from '../ops/elementwise.js';
import { Attack, intOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';
import { keepBest } from './pgd.js';

/** Options of `randomNoise`. */
export interface RandomNoiseOptions extends AttackOptions {
  /** Random points tried per sample (default 10). */
  trials?: number;
}

/**
 * A black-box baseline with no gradients: `trials` random points on the boundary of the budget
 * (the L2 sphere; random corners of the L-inf box), clipped into the value range; per sample the
 * best is kept (a misclassifying one, else the highest loss). If it beats a white-box attack, the
 * white-box attack's gradients are not to be trusted (gradient masking).
 *
 * @example
 * const adv = new RandomNoise({ eps: 0.2, trials: 20, seed: 1 }).run(model, { inputs, labels });
 */
export class RandomNoise extends Attack<RandomNoiseOptions> {
  readonly trials: number;

  constructor(options: RandomNoiseOptions) {
    super('random-noise', options, ['trials']);
    this.trials = intOption(this.name, 'trials', options.trials, 10, 1);
  }

  override get kind(): 'white-box' | 'black-box' {
    return 'black-box';
  }

  get gradientSteps(): number {
    return 0;
  }

  override get queries(): number {
    return this.trials;
  }

  with(changes: Partial<RandomNoiseOptions>): RandomNoise {
    return new RandomNoise(this.merged(changes));
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let best: { delta: Modal; fooled: Tensor; loss: Tensor } | null = null;
    for (let t = 0; t < this.trials; t++) {
      const delta = tidy(() => {
        if (ctx.threat.norm === 'l2') return ctx.randomStart(rng, t === 0 ? noise : undefined);
        // L-inf: corners of the box (+-r), then the value range.
        const corner: Modal = {};
        for (const m of ctx.names) {
          const v = ctx.values[m];
          const n = t === 0 && noise?.[m] ? noise[m] : randn(v.shape, { rng, dtype: v.dtype, backend: v.backend.name });
          corner[m] = mul(sign(n), ctx.radius[m]);
        }
        return ctx.project(corner);
      });
      best = keepBest(ctx, best, delta);
    }
    dispose([best!.fooled, best!.loss]);
    return best!.delta;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { trials: this.trials };
  }
}

/**
 * Random noise on the budget's boundary, best of `trials` (black-box, forward passes only).
 *
 * @example
 * const noise = vm.attacks.randomNoise({ eps: 0.2, trials: 20, seed: 1 });
 */
export function randomNoise(options: RandomNoiseOptions): RandomNoise {
  return new RandomNoise(options);
}
