import { dispose, tidy } from '../memory.js';
import type { Rng } from '../random.js';
import { randn } from '../ops/creation.js';
import { Attack, intOption, numberOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';

/** Options of `randomSearch`. */
export interface RandomSearchOptions extends AttackOptions {
  /** Proposals per sample (default 100). */
  queries?: number;
  /** Proposal size in units of each sample's radius (default 0.25). */
  stepSize?: number;
}

/**
 * A simple query-based black-box attack (random search, in the spirit of SimBA and the Square
 * attack): from a random start on the budget's boundary, propose a random move of `stepSize * r`
 * (a random L2 direction, or random signs for L-inf), projected back onto the budget; each sample
 * accepts it when the loss rises (or the proposal misclassifies while the current point does not).
 * Only forward passes, so a loss surface with masked gradients does not stop it.
 *
 * @example
 * const adv = new RandomSearch({ eps: 0.2, queries: 200, seed: 2 }).run(model, { inputs, labels });
 */
export class RandomSearch extends Attack<RandomSearchOptions> {
  readonly proposals: number;
  readonly stepSize: number;

  constructor(options: RandomSearchOptions) {
    super('random-search', options, ['queries', 'stepSize']);
    this.proposals = intOption(this.name, 'queries', options.queries, 100, 1);
    this.stepSize = numberOption(this.name, 'stepSize', options.stepSize, 0.25);
  }

  override get kind(): 'white-box' | 'black-box' {
    return 'black-box';
  }

  get gradientSteps(): number {
    return 0;
  }

  override get queries(): number {
    return this.proposals + 1;
  }

  with(changes: Partial<RandomSearchOptions>): RandomSearch {
    return new RandomSearch(this.merged(changes));
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let delta = ctx.randomStart(rng, noise);
    const s0 = ctx.score(delta);
    let fooled = ctx.fooled(s0.logits);
    let loss = s0.loss;
    s0.logits.dispose();
    for (let q = 0; q < this.proposals; q++) {
      const [d, f, l] = [delta, fooled, loss];
      [delta, fooled, loss] = tidy(() => {
        const n: Modal = {};
        for (const m of ctx.names) {
          const v = ctx.values[m];
          n[m] = randn(v.shape, { rng, dtype: v.dtype, backend: v.backend.name });
        }
        const candidate = ctx.ascend(d, n, this.stepSize);
        const s = ctx.score(candidate);
        const cf = ctx.fooled(s.logits);
        const accept = ctx.better(cf, s.loss, f, l);
        return [ctx.select(accept, candidate, d), ctx.select1(accept, cf, f), ctx.select1(accept, s.loss, l)] as const;
      });
      dispose([d, f, l]);
    }
    dispose([fooled, loss]);
    return delta;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { queries: this.proposals, stepSize: this.stepSize };
  }
}

/**
 * Query-based random search (black-box).
 *
 * @example
 * const rs = vm.attacks.randomSearch({ space: 'input', norm: 'linf', eps: 0.1, ranges: [0, 1], queries: 200 });
 */
export function randomSearch(options: RandomSearchOptions): RandomSearch {
  return new RandomSearch(options);
}
