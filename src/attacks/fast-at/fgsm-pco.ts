import { fail } from '../../errors.js';
import { tidy } from '../../memory.js';
import type { Rng } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import { add, clip, mul, sub } from '../../ops/elementwise.js';
import { oneHot } from '../../ops/movement.js';
import { softmax } from '../../ops/nn.js';
import { sum } from '../../ops/reduce.js';
import type { AttackContext, Modal } from '../attack-context.js';
import { FastAtAttack, type FastAtMemory, type FastAtOptions, type FastAtParts } from './fast-at-attack.js';

/** Options of `fgsmPco`. */
export interface FgsmPcoOptions extends FastAtOptions {
  /** varmat: the multiplier of A's step (default 2); original: the factor of delta_FGSM in x_new (default 1.5). */
  gamma?: number;
}

/**
 * FGSM with prior-guided fusion (PCO).
 *  - varmat (VARMAT.md 5.4, FGSM_PCO of the authors' code): delta_prev = bank[idx] (epoch 0: the
 *    random start delta0); delta_init = Proj_r(delta_prev); g^ at z + delta_init;
 *    A = Proj_r(delta_init + gamma r g^) with gamma = 2; T = Proj_r(A + r g^) with the same g^;
 *    bank[idx] <- T; lambda = softmax(F(z + T))_y (detached);
 *    delta = lambda delta_prev + (1 - lambda) A, with the raw stored prior. (The code's variable
 *    names are swapped on return; this is the effective mapping. Its consistency term has no
 *    gradient and is left to the trainer: `stored` is T, `mixing.prior` the prior.)
 *  - original (Wang et al., ECCV 2024, FGSM-PCO.py): the bank starts as random signs of magnitude
 *    eps; at delta_prev = bank[idx], c = 1 - p_y(x + delta_prev) in [0, 1];
 *    delta_FGSM = clip_eps(delta_prev + alpha sign(g)), clipped into the value range;
 *    x_new = c (x + delta_prev) + (1 - c)(x + 1.5 delta_FGSM), i.e.
 *    delta = c delta_prev + (1 - c) 1.5 delta_FGSM (which may leave the eps box, as theirs);
 *    bank[idx] <- delta_FGSM.
 *
 * @example
 * const s = new FgsmPco().step(model, latents, labels, batch.indices, epoch);
 */
export class FgsmPco extends FastAtAttack {
  readonly gamma: number;

  constructor(options: FgsmPcoOptions = {}) {
    super('fgsm-pco', options, ['gamma'], { varmat: 1, original: 1 });
    const gamma = options.gamma ?? (this.form === 'varmat' ? 2 : 1.5);
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) fail('OPTION', this.name, 'gamma', 'a finite number >= 0', gamma);
    this.gamma = gamma;
  }

  with(changes: Partial<FgsmPcoOptions>): FgsmPco {
    return new FgsmPco(this.merged(changes));
  }

  protected compute(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined, memory: FastAtMemory | null): FastAtParts {
    const mask = this.priorMask(ctx, this.memory, memory);
    const fresh = mask === 'all' ? {} : this.form === 'varmat' ? ctx.randomStart(rng, noise) : this.signStart(ctx, rng, noise);
    const prior = this.choose(ctx, mask, () => this.gather(ctx, this.memory, memory!, fresh), () => fresh);
    if (this.form === 'varmat') {
      const start = this.choose(ctx, mask, () => ctx.project(prior), () => fresh);
      const { grad } = ctx.lossAndGrad(start);
      const unit = ctx.direction(grad);
      const a = ctx.ascend(start, unit, this.gamma * this.stepSize, true);
      const t = ctx.ascend(a, unit, this.stepSize, true);
      const lambda = this.trueClassProbability(ctx, ctx.score(t).logits);
      const delta = mix(ctx, lambda, prior, a);
      this.remember(this.memory, memory, t);
      return { delta, start, stored: t, mixing: { weight: lambda, prior, target: a } };
    }
    const { grad, logits } = ctx.lossAndGrad(prior);
    const c = tidy(() => clip(sub(1, this.trueClassProbability(ctx, logits)), 0, 1));
    const fgsmDelta = ctx.ascend(prior, grad, this.stepSize);
    const target: Modal = Object.fromEntries(ctx.names.map((m) => [m, mul(fgsmDelta[m], this.gamma)]));
    const delta = mix(ctx, c, prior, target);
    this.remember(this.memory, memory, fgsmDelta);
    return { delta, start: prior, stored: fgsmDelta, mixing: { weight: c, prior, target } };
  }

  /** softmax(logits)[b, y_b], without history. */
  private trueClassProbability(ctx: AttackContext, logits: Tensor): Tensor {
    return tidy(() => {
      const p = softmax(logits.detach(), -1);
      return sum(mul(p, oneHot(ctx.labels, p.shape[1], p.dtype === 'float64' ? 'float64' : 'float32')), -1);
    });
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { ...super.describeOptions(), gamma: this.gamma };
  }
}

/** weight * prior + (1 - weight) * target, per sample. */
function mix(ctx: AttackContext, weight: Tensor, prior: Readonly<Modal>, target: Readonly<Modal>): Modal {
  return tidy(() => Object.fromEntries(ctx.names.map((m) => {
    const w = ctx.column(weight, m);
    return [m, add(mul(w, prior[m]), mul(sub(1, w), target[m]))];
  })));
}

/**
 * FGSM-PCO for adversarial training.
 *
 * @example
 * const atk = vm.attacks.fgsmPco();                         // VARMAT's latent form: gamma 2, lambda = p_y(T)
 * const s = atk.step(model, latents, labels, batch.indices, epoch);
 * s.mixing!.weight;                                          // lambda per sample
 */
export function fgsmPco(options: FgsmPcoOptions = {}): FgsmPco {
  return new FgsmPco(options);
}
