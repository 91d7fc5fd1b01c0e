import type { Rng } from '../../random.js';
import type { AttackContext, Modal } from '../attack-context.js';
import { FastAtAttack, type FastAtMemory, type FastAtOptions, type FastAtParts } from './fast-at-attack.js';

/**
 * FGSM with an epoch-wise prior: each sample starts from its own training perturbation of the
 * previous epoch.
 *  - varmat (VARMAT.md 5.2): epoch 0 is FGSM-RS; from epoch 1, delta_init = Proj_r(bank[idx])
 *    re-projected with the current radius, delta = Proj_r(delta_init + gamma r g^) with gamma = 1
 *    (`stepSize`); bank[idx] <- delta. No prior-consistency regularizer.
 *  - original (Jia et al., ECCV 2022): the bank starts as random signs of magnitude eps
 *    (clamp(alpha sign(U(-eps, eps)))); delta = clip_eps(bank[idx] + alpha sign(g)), alpha = eps,
 *    clipped into the value range; bank[idx] <- delta. Their prior-guided regularizer
 *    lambda ||f(x + delta) - f(x + delta_init)||^2 is a training loss: `start` is delta_init.
 * Samples without a stored prior (epoch 0, or never seen) use the first-epoch start.
 *
 * @example
 * const s = new FgsmEp().step(model, latents, labels, batch.indices, epoch);
 */
export class FgsmEp extends FastAtAttack {
  constructor(options: FastAtOptions = {}) {
    super('fgsm-ep', options, [], { varmat: 1, original: 1 });
  }

  with(changes: Partial<FastAtOptions>): FgsmEp {
    return new FgsmEp(this.merged(changes));
  }

  protected compute(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined, memory: FastAtMemory | null): FastAtParts {
    const mask = this.priorMask(ctx, this.memory, memory);
    const fresh = mask === 'all' ? {} : this.form === 'varmat' ? ctx.randomStart(rng, noise) : this.signStart(ctx, rng, noise);
    const start = this.choose(
      ctx, mask,
      () => {
        const prior = this.gather(ctx, this.memory, memory!, fresh);
        return this.form === 'varmat' ? ctx.project(prior) : prior;
      },
      () => fresh,
    );
    const { grad } = ctx.lossAndGrad(start);
    const delta = ctx.ascend(start, grad, this.stepSize);
    this.remember(this.memory, memory, delta);
    return { delta, start, stored: delta, mixing: null };
  }
}

/**
 * FGSM-EP for adversarial training (per-sample prior from the previous epoch).
 *
 * @example
 * const atk = vm.attacks.fgsmEp();
 * for (const epoch of [0, 1]) {
 *   const s = atk.step(model, latents, labels, batch.indices, epoch);   // epoch 1 starts from epoch 0's delta
 *   vm.dispose(s);
 * }
 */
export function fgsmEp(options: FastAtOptions = {}): FgsmEp {
  return new FgsmEp(options);
}
