import { fail } from '../../errors.js';
import type { Rng } from '../../random.js';
import { add, div, eq, mul, where } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { rowNorms } from '../../ops/norms.js';
import { tidy } from '../../memory.js';
import type { AttackContext, Modal } from '../attack-context.js';
import { FastAtAttack, type FastAtMemory, type FastAtOptions, type FastAtParts } from './fast-at-attack.js';
import { MemoryBank } from './memory-bank.js';

/** Options of `fgsmMep`. */
export interface FgsmMepOptions extends FastAtOptions {
  /** Momentum decay mu (default 0.3). */
  momentum?: number;
}

/**
 * FGSM with a momentum of epoch-wise priors: each sample keeps a momentum of its normalised
 * gradients over epochs and the next epoch's initialisation, which moves along it.
 *  - varmat (VARMAT.md 5.3): delta_init = Proj_r(bank[idx]) (epoch 0: the random start);
 *    g^ = g / (||g|| + 1e-8) at z + delta_init; delta = Proj_r(delta_init + r g^);
 *    mom[idx] <- mu mom[idx] + g^ (epoch 0: g^); bank[idx] <- Proj_r(bank[idx] + r mom / ||mom||)
 *    (epoch 0: Proj_r(r g^ / ||g^||)) from the raw stored bank, not from delta.
 *  - original (Jia et al., ECCV 2022, FGSM_MEP.py): the bank starts as random signs of magnitude
 *    eps; delta = clip_eps(bank[idx] + alpha sign(g)); mom[idx] <- g / ||g||_1 + mu mom[idx], with
 *    the L1 norm over the whole batch (per modality) as their code; bank[idx] <- clip_eps(bank[idx]
 *    + alpha sign(mom)), clipped into the value range.
 * A zero momentum or gradient is kept at zero instead of dividing by zero.
 *
 * @example
 * const s = new FgsmMep().step(model, latents, labels, batch.indices, epoch);
 */
export class FgsmMep extends FastAtAttack {
  readonly mu: number;
  /** The per-sample momentum of normalised gradients. */
  readonly momentumBank = new MemoryBank('momentum');

  constructor(options: FgsmMepOptions = {}) {
    super('fgsm-mep', options, ['momentum'], { varmat: 1, original: 1 });
    const mu = options.momentum ?? 0.3;
    if (typeof mu !== 'number' || !Number.isFinite(mu) || mu < 0) fail('OPTION', this.name, 'momentum', 'a finite number >= 0', mu);
    this.mu = mu;
  }

  with(changes: Partial<FgsmMepOptions>): FgsmMep {
    return new FgsmMep(this.merged(changes));
  }

  protected override banks(): MemoryBank[] {
    return [this.memory, this.momentumBank];
  }

  protected compute(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined, memory: FastAtMemory | null): FastAtParts {
    const mask = this.priorMask(ctx, this.memory, memory);
    const fresh = mask === 'all' ? {} : this.form === 'varmat' ? ctx.randomStart(rng, noise) : this.signStart(ctx, rng, noise);
    const zeros = ctx.zeros();
    const bankRaw = mask === null ? zeros : this.gather(ctx, this.memory, memory!, zeros);
    const momOld = mask === null ? zeros : this.gather(ctx, this.momentumBank, memory!, zeros);
    const start = this.choose(ctx, mask, () => (this.form === 'varmat' ? ctx.project(bankRaw) : bankRaw), () => fresh);
    const { grad } = ctx.lossAndGrad(start);
    let delta: Modal;
    let mom: Modal;
    let next: Modal;
    if (this.form === 'varmat') {
      const unit = ctx.direction(grad);
      delta = ctx.ascend(start, unit, this.stepSize, true);
      mom = Object.fromEntries(ctx.names.map((m) => [m, add(mul(momOld[m], this.mu), unit[m])]));
      const moved: Modal = tidy(() => Object.fromEntries(ctx.names.map((m) => {
        const n = ctx.column(rowNorms(mom[m], 2), m);
        const dir = where(eq(n, 0), 0, div(mom[m], n));
        return [m, add(bankRaw[m], mul(dir, mul(ctx.radius[m], this.stepSize)))];
      })));
      next = ctx.project(moved);
    } else {
      delta = ctx.ascend(start, grad, this.stepSize);
      mom = tidy(() => Object.fromEntries(ctx.names.map((m) => {
        const l1 = reshape(rowNorms(reshape(grad[m], [1, -1]), 1), []);
        const normalized = where(eq(l1, 0), 0, div(grad[m], l1));
        return [m, add(normalized, mul(momOld[m], this.mu))];
      })));
      next = ctx.ascend(start, mom, this.stepSize);
    }
    this.remember(this.memory, memory, next);
    this.remember(this.momentumBank, memory, mom);
    return { delta, start, stored: next, mixing: null };
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { ...super.describeOptions(), momentum: this.mu };
  }
}

/**
 * FGSM-MEP for adversarial training (momentum of epoch-wise priors, mu = 0.3).
 *
 * @example
 * const atk = vm.attacks.fgsmMep({ momentum: 0.3 });
 * const s = atk.step(model, latents, labels, batch.indices, epoch);   // s.stored: next epoch's start
 */
export function fgsmMep(options: FgsmMepOptions = {}): FgsmMep {
  return new FgsmMep(options);
}
