import { fail } from '../errors.js';
import { dispose } from '../memory.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Attack, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';
import { keepBest } from './pgd.js';

/** Options of `worstCase` besides its members. */
export interface WorstCaseOptions extends AttackOptions {
  /** The name in reports (default: the members' names joined by '+'). */
  name?: string;
}

/**
 * Runs several attacks with the same threat model on each batch and keeps, per sample, the
 * strongest result: a misclassifying perturbation if any member found one (the one of highest
 * cross-entropy among them), else the one of highest cross-entropy. This is how AutoAttack turns its components into one
 * evaluation. All members run on the whole batch (no read-back to drop samples already broken).
 *
 * @example
 * const both = new WorstCase([new Apgd({ eps: 0.2 }), new Apgd({ eps: 0.2, loss: 'dlr' })], { name: 'apgd' });
 */
export class WorstCase extends Attack<WorstCaseOptions> {
  readonly members: readonly Attack[];

  constructor(members: readonly Attack[], options: Partial<WorstCaseOptions> = {}) {
    if (!Array.isArray(members) || members.length === 0 || !members.every((a) => a instanceof Attack)) {
      fail('VALUE', 'worstCase', 'attacks', 'a non-empty list of attacks', members);
    }
    const threat = JSON.stringify(members[0].threat.toJSON());
    members.forEach((a, i) => {
      if (JSON.stringify(a.threat.toJSON()) !== threat) {
        fail('VALUE', 'worstCase', `attacks[${i}]`, `the threat model of attacks[0] (${members[0].threat})`, a.threat.toString());
      }
    });
    const { name, ...rest } = options;
    super(name ?? members.map((a) => a.name).join('+'), { ...members[0].threat.options, ...rest } as WorstCaseOptions, ['name']);
    this.members = Object.freeze([...members]);
  }

  override get kind(): 'white-box' | 'black-box' {
    return this.members.some((a) => a.kind === 'white-box') ? 'white-box' : 'black-box';
  }

  get gradientSteps(): number {
    return this.members.reduce((n, a) => n + a.gradientSteps, 0);
  }

  override get queries(): number {
    return this.members.reduce((n, a) => n + a.queries, 0) + this.members.length;
  }

  /** Applies the threat-model changes to every member (other options to the scoring only). */
  with(changes: Partial<WorstCaseOptions>): WorstCase {
    const { name, loss, reduction, seed, rng, ...threat } = changes;
    return new WorstCase(this.members.map((a) => a.with(threat)), { name: name ?? this.name, ...(loss ? { loss } : {}), ...(reduction ? { reduction } : {}), ...(seed !== undefined ? { seed } : {}), ...(rng ? { rng } : {}) });
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let best: { delta: Modal; fooled: Tensor; loss: Tensor } | null = null;
    this.members.forEach((a, i) => {
      const delta = a.searchIn(ctx, rng, i === 0 ? noise : undefined);
      best = keepBest(ctx, best, delta);
    });
    const b = best as unknown as { delta: Modal; fooled: Tensor; loss: Tensor };
    dispose([b.fooled, b.loss]);
    return b.delta;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { members: this.members.map((a) => a.toString()).join(' | ') };
  }
}

/**
 * The per-sample worst case over several attacks of one threat model (AutoAttack-style).
 *
 * @example
 * const tm = { space: 'latent' as const, eps: 0.2, seed: 0 };
 * const strong = vm.attacks.worstCase([vm.attacks.apgd(tm), vm.attacks.apgd({ ...tm, loss: 'dlr' })]);
 */
export function worstCase(attacks: readonly Attack[], options: Partial<WorstCaseOptions> = {}): WorstCase {
  return new WorstCase(attacks, options);
}
