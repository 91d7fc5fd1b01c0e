import type { Rng } from '../../random.js';
import type { AttackContext, Modal } from '../attack-context.js';
import { FastAtAttack, type FastAtMemory, type FastAtOptions, type FastAtParts } from './fast-at-attack.js';

/**
 * FGSM with a random start, as a training attack. No memory.
 *  - varmat (VARMAT.md 5.1): delta0 = Proj_r(n r), n ~ N(0, I) (uniform on the sphere);
 *    delta = Proj_r(delta0 + r g^) with g^ = g / (||g|| + 1e-8) at z + delta0 (step alpha = r).
 *  - original (Wong, Rice & Kolter 2020): delta0 ~ U[-eps, eps]; delta = clip_eps(delta0 +
 *    1.25 eps sign(g)), clipped into the value range.
 *
 * @example
 * const s = new FgsmRs({ form: 'original', eps: 8 / 255, ranges: [0, 1] }).step(model, inputs, labels, batch.indices, 0);
 */
export class FgsmRs extends FastAtAttack {
  constructor(options: FastAtOptions = {}) {
    super('fgsm-rs', options, [], { varmat: 1, original: 1.25 });
  }

  with(changes: Partial<FastAtOptions>): FgsmRs {
    return new FgsmRs(this.merged(changes));
  }

  protected compute(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined, _memory: FastAtMemory | null): FastAtParts {
    const start = ctx.randomStart(rng, noise);
    const { grad } = ctx.lossAndGrad(start);
    return { delta: ctx.ascend(start, grad, this.stepSize), start, stored: null, mixing: null };
  }
}

/**
 * FGSM-RS for adversarial training.
 *
 * @example
 * const atk = vm.attacks.fgsmRs();                                         // VARMAT's latent form, eps 0.01
 * const orig = vm.attacks.fgsmRs({ form: 'original', eps: 8 / 255, ranges: [0, 1] });
 * const s = atk.step(model, latents, labels, indices, epoch);              // s.delta, s.start
 */
export function fgsmRs(options: FastAtOptions = {}): FgsmRs {
  return new FgsmRs(options);
}
