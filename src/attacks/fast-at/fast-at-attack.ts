/**
 * The base of the fast adversarial-training attacks (FGSM-RS, FGSM-EP, FGSM-MEP, FGSM-PCO): one
 * gradient per training step, per-sample memories keyed by dataset index, in two forms:
 *  - 'varmat': as the VARMAT authors' code runs them (VARMAT.md 5): latent space, L2 balls of
 *    radius (eps / K) ||z_m|| (eps 0.01), normalised-gradient steps, radial projection;
 *  - 'original': as the cited papers' code runs them (VARMAT.md 5.7): input space, L-inf boxes,
 *    sign steps, clipping into the value range.
 * The threat model can still be changed (e.g. the varmat form with L-inf geometry).
 */

import { checkOptions, fail } from '../../errors.js';
import { tidy } from '../../memory.js';
import { Rng } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import { rand, tensor, zerosLike } from '../../ops/creation.js';
import { minimum, mul, sign, where } from '../../ops/elementwise.js';
import { Attack, numberOption, withGrad, type AttackOptions, type PerturbOptions } from '../attack.js';
import { AttackContext, type Modal } from '../attack-context.js';
import type { AttackModel } from '../attack-model.js';
import type { ThreatModelOptions } from '../threat-model.js';
import { hostIndices, MemoryBank } from './memory-bank.js';

/** Which algorithm a fast-AT attack runs: the VARMAT authors' latent adaptation, or the cited paper's. */
export type FastAtForm = 'varmat' | 'original';

/** Options of the fast-AT attacks. `eps` defaults to 0.01 in the varmat form; the original form needs it. */
export interface FastAtOptions extends Omit<AttackOptions, 'eps'> {
  /** 'varmat' (default; latent L2, relative budgets split equally) or 'original' (input L-inf). */
  form?: FastAtForm;
  /** The budget (varmat default 0.01, the authors' training eps). */
  eps?: ThreatModelOptions['eps'];
  /** Step size alpha in units of the radius (defaults: RS varmat 1, RS original 1.25, others 1). */
  stepSize?: number;
}

/**
 * What one training step gets from a fast-AT attack. Tensors are detached and owned by the
 * caller (`vm.dispose(step)`). The model trains on values + `delta`.
 */
export type FastAtStep = {
  /** The training perturbation per modality (zeros for unattacked modalities). */
  delta: Record<string, Tensor>;
  /**
   * The point where the attack took its gradient (RS: the random start; EP/MEP: the re-projected
   * prior; PCO: the re-projected prior). The authors' code also back-propagates the clean-model
   * loss at this point into the fusion network ("hidden extra gradient", VARMAT.md 4).
   */
  start: Record<string, Tensor>;
  /** What the memory now holds for these samples (EP: delta; MEP: the next initialisation; PCO: T or delta_FGSM); null for RS. */
  stored: Record<string, Tensor> | null;
  /**
   * PCO's mixing: delta = weight * prior + (1 - weight) * target, per sample. varmat: weight = the
   * true-class probability at T (detached), prior = the stored prior (raw), target = A. original:
   * weight = 1 - p_y(x + prior), target = 1.5 delta_FGSM. Null for the other methods.
   */
  mixing: { weight: Tensor; prior: Record<string, Tensor>; target: Record<string, Tensor> } | null;
};

/** The memory part of a step: the batch's dataset indices and whether priors may be read (epoch >= 1). */
export interface FastAtMemory {
  indices: Int32Array;
  epoch: number;
}

/** What `compute` returns for the attacked modalities. */
export type FastAtParts = {
  delta: Modal;
  start: Modal;
  stored: Modal | null;
  mixing: { weight: Tensor; prior: Modal; target: Modal } | null;
};

/**
 * Per-call options of `FastAtAttack.step`: those of `perturb`, and a change of the threat model for
 * this call only (the attack, its generator and its memories stay the same).
 */
export interface FastAtStepOptions extends PerturbOptions {
  /**
   * Threat-model changes for this step, merged with `ThreatModel.with`: e.g. per-modality budgets
   * (VARMAT's vulnerability-proportional allocation) or `space: 'input'` (input-space VARMAT).
   * Memories are keyed by dataset index and modality, so keep the space the same across a run.
   */
  threat?: Partial<ThreatModelOptions>;
}

/** The keys every fast-AT attack accepts besides the attack options. */
export const FAST_AT_KEYS = ['form', 'stepSize'] as const;

/** Fills the form's default threat model into the options. */
function withFormDefaults(name: string, options: FastAtOptions): AttackOptions {
  if (options === null || typeof options !== 'object') fail('OPTION', name, 'options', 'an object', options);
  const form = options.form ?? 'varmat';
  if (form !== 'varmat' && form !== 'original') fail('OPTION', name, 'form', "'varmat' or 'original'", form);
  if (form === 'varmat') {
    return { space: 'latent', norm: 'l2', relative: true, ...options, eps: options.eps ?? 0.01 } as AttackOptions;
  }
  if (options.eps === undefined) fail('OPTION', name, 'eps', "a budget (the original form has no default; e.g. 8 / 255 for [0, 1] pixels)", undefined);
  return { space: 'input', norm: 'linf', relative: false, ...options } as AttackOptions;
}

/**
 * The base class of the fast-AT attacks. `step` is what a training loop calls; `perturb`/`run`
 * run the first-epoch step without touching the memories (to use the attack for evaluation).
 *
 * @example
 * const atk = vm.attacks.fgsmEp();                              // VARMAT's latent form, eps 0.01
 * const z = model.encode(x);                                      // with history
 * const zd = Object.fromEntries(Object.entries(z).map(([k, v]) => [k, v.detach()]));
 * const s = atk.step(model, zd, labels, batch.indices, epoch);   // delta, start, stored, mixing
 * const logits = model.fuse({ a: z.a.add(s.delta.a), b: z.b.add(s.delta.b) });
 */
export abstract class FastAtAttack extends Attack<FastAtOptions> {
  readonly form: FastAtForm;
  readonly stepSize: number;
  /** The per-sample prior (EP, MEP, PCO). */
  readonly memory = new MemoryBank('prior');

  protected constructor(name: string, options: FastAtOptions, ownKeys: readonly string[], defaultStep: { varmat: number; original: number }) {
    const filled = withFormDefaults(name, options);
    super(name, filled as FastAtOptions, [...FAST_AT_KEYS, ...ownKeys]);
    this.form = options.form ?? 'varmat';
    this.stepSize = numberOption(name, 'stepSize', options.stepSize, defaultStep[this.form]);
  }

  get gradientSteps(): number {
    return 1;
  }

  /** Forgets every sample's memories (a new training run). */
  reset(): void {
    for (const bank of this.banks()) bank.clear();
  }

  /** Frees the memories. */
  dispose(): void {
    this.reset();
  }

  /** The attack's memory banks. */
  protected banks(): MemoryBank[] {
    return [this.memory];
  }

  /**
   * One training step's attack on values (latents z_m detached from the encoder, or inputs) of the
   * samples with dataset `indices` at `epoch` (0-based; from epoch 1 on, the memories of the
   * previous epochs are used where a sample has them). Updates the memories. `options.threat`
   * changes the threat model for this call only.
   *
   * @example
   * const s = atk.step(model, latents, labels, batch.indices, epoch);
   */
  step(model: AttackModel, values: Readonly<Record<string, Tensor>>, labels: Tensor, indices: Tensor | ArrayLike<number>, epoch: number, options: FastAtStepOptions = {}): FastAtStep {
    if (!Number.isInteger(epoch) || epoch < 0) fail('VALUE', this.name, 'epoch', 'an integer >= 0', epoch);
    checkOptions(this.name, options, ['noise', 'rng', 'threat']);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) fail('OPTION', this.name, 'rng', 'an Rng', options.rng);
    if (options.threat !== undefined && (options.threat === null || typeof options.threat !== 'object')) fail('OPTION', this.name, 'threat', 'an object of threat-model changes', options.threat);
    const threat = options.threat === undefined ? this.threat : this.threat.with(options.threat);
    const ctx = new AttackContext(this.name, model, threat, values, labels, this.lossFn, this.reduction);
    try {
      const idx = hostIndices(this.name, indices, ctx.batch);
      const rng = options.rng ?? this.generator;
      return tidy(() => {
        const parts = ctx.names.length === 0 ? null : withGrad(() => tidy(() => this.compute(ctx, rng, options.noise, { indices: idx, epoch })));
        const fill = (p: Modal): Modal => Object.fromEntries(ctx.modalities.map((m) => [m, p[m] ? p[m].detach() : zerosLike(ctx.values[m])]));
        const picked = (p: Modal): Modal => Object.fromEntries(ctx.names.map((m) => [m, p[m].detach()]));
        if (parts === null) return { delta: fill({}), start: fill({}), stored: null, mixing: null };
        return {
          delta: fill(parts.delta),
          start: fill(parts.start),
          stored: parts.stored ? picked(parts.stored) : null,
          mixing: parts.mixing ? { weight: parts.mixing.weight.detach(), prior: picked(parts.mixing.prior), target: picked(parts.mixing.target) } : null,
        };
      });
    } finally {
      ctx.dispose();
    }
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    const parts = this.compute(ctx, rng, noise, null);
    return parts.delta;
  }

  /** The method: the step's parts for the attacked modalities; reads and writes memories when `memory` is given. */
  protected abstract compute(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined, memory: FastAtMemory | null): FastAtParts;

  /**
   * Per sample, whether `bank` holds a row for every attacked modality and may be used (epoch >= 1):
   * null when no sample may use it, 'all' when every one may, else a 0/1 mask [B] on the device.
   */
  protected priorMask(ctx: AttackContext, bank: MemoryBank, memory: FastAtMemory | null): Tensor | 'all' | null {
    if (memory === null || memory.epoch < 1) return null;
    const has = Array.from(memory.indices, (i) => ctx.names.every((m) => bank.has(i, m)));
    if (has.every(Boolean)) return 'all';
    if (!has.some(Boolean)) return null;
    const v = ctx.values[ctx.names[0]];
    return tensor(has.map(Number), [has.length], { dtype: v.dtype, backend: v.backend.name });
  }

  /** The bank's rows for the batch, with `fallback` rows where the mask says there are none. */
  protected gather(ctx: AttackContext, bank: MemoryBank, memory: FastAtMemory, fallback: Readonly<Modal>): Modal {
    return Object.fromEntries(ctx.names.map((m) => [m, bank.gather(memory.indices, m, fallback[m])]));
  }

  /** Per sample: `a` where the mask is 1 ('all': everywhere; null: nowhere), else `b`. */
  protected choose(ctx: AttackContext, mask: Tensor | 'all' | null, a: () => Modal, b: () => Modal): Modal {
    if (mask === 'all') return a();
    if (mask === null) return b();
    return tidy(() => {
      const [x, y] = [a(), b()];
      return Object.fromEntries(ctx.names.map((m) => [m, where(ctx.column(mask, m), x[m], y[m])]));
    });
  }

  /**
   * The original papers' bank initialisation: clamp(alpha * sign(U(-eps, eps)), -eps, eps), i.e.
   * random signs of magnitude min(alpha, eps) per coordinate, then the value range.
   */
  protected signStart(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    return tidy(() => {
      const out: Modal = {};
      for (const m of ctx.names) {
        const v = ctx.values[m];
        const u = noise?.[m] ?? rand(v.shape, { rng, dtype: v.dtype, backend: v.backend.name, low: -1, high: 1 });
        out[m] = mul(sign(u), minimum(mul(ctx.radius[m], this.stepSize), ctx.radius[m]));
      }
      return ctx.project(out);
    });
  }

  /** Writes the batch's rows into a bank (when memory is on). */
  protected remember(bank: MemoryBank, memory: FastAtMemory | null, values: Readonly<Modal>): void {
    if (memory !== null) bank.write(memory.indices, values);
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { form: this.form, stepSize: this.stepSize };
  }
}
