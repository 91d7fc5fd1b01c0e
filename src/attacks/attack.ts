/**
 * The base class of every attack: configured once (threat model, loss, seed and the attack's own
 * options), then run on batch after batch. Subclasses implement only the search; the base class
 * checks inputs, resolves budgets, and builds the result (perturbations, adversarial values and
 * their logits) with untouched modalities bit-identical to the input.
 */

import { noGrad } from '../autograd/grad.js';
import { engine } from '../engine.js';
import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import { Rng } from '../random.js';
import { Tensor } from '../tensor.js';
import { zerosLike } from '../ops/creation.js';
import { add, clip, eq, where } from '../ops/elementwise.js';
import { AttackContext, forwardIn, type Modal } from './attack-context.js';
import type { AttackModel } from './attack-model.js';
import { lossName, resolveLoss, type LossFn, type LossName } from './losses.js';
import { THREAT_MODEL_KEYS, ThreatModel, type AttackSpace, type ThreatModelJson, type ThreatModelOptions } from './threat-model.js';

/** Options every attack takes: the threat model, the loss, and its source of randomness. */
export interface AttackOptions extends ThreatModelOptions {
  /** The loss to maximise: 'ce' (default), 'dlr', or a function returning per-sample losses. */
  loss?: LossName | LossFn;
  /**
   * How per-sample losses make the batch loss whose gradient is taken: 'mean' (default, PyTorch's
   * CrossEntropyLoss, as the authors' code) or 'sum'. Normalised steps make the two equal except
   * for the 1e-8 guard of the normalisation.
   */
  reduction?: 'mean' | 'sum';
  /** Seed of the attack's generator (default 0). The generator advances with every call. */
  seed?: number;
  /** A generator to draw from instead of `seed`. */
  rng?: Rng;
}

/** Attack options with the budget optional (attacks whose form supplies a default budget). */
export interface BaseAttackOptions extends Omit<AttackOptions, 'eps'> {
  eps?: ThreatModelOptions['eps'];
}

/** The option names every attack takes. */
export const ATTACK_KEYS = [...THREAT_MODEL_KEYS, 'loss', 'reduction', 'seed', 'rng'] as const;

/** A batch to attack: raw inputs per modality and int32 labels (a `TensorBatch` fits). */
export interface AttackBatch {
  readonly inputs: Readonly<Record<string, Tensor>>;
  readonly labels: Tensor;
}

/** Per-call options of `run` and `perturb`. */
export interface PerturbOptions {
  /**
   * Fixed random-start draws per attacked modality, shaped like its values: standard normal for
   * L2, uniform in [-1, 1) for L-inf. They replace the generator's draws for the first start
   * (reproductions, e.g. the authors' fixtures; batch-versus-sample checks).
   */
  noise?: Readonly<Record<string, Tensor>>;
  /** A generator for this call instead of the attack's own. */
  rng?: Rng;
}

/**
 * What an attack returns. Every tensor is detached and owned by the caller: free them with
 * `vm.dispose(result)`, or create the result inside `vm.tidy`.
 */
export type AttackResult = {
  /** Where the perturbations live. */
  space: AttackSpace;
  /** The clean values per modality (inputs, or latents for a latent-space attack). */
  clean: Record<string, Tensor>;
  /** clean + delta per modality; unattacked modalities (and coordinates with delta 0) are bit-identical to clean. */
  adversarial: Record<string, Tensor>;
  /** The perturbation per modality (zeros for unattacked ones), within each modality's budget. */
  delta: Record<string, Tensor>;
  /** The model's logits at the adversarial point [B, C]. */
  logits: Tensor;
};

/** How an attack describes itself in reports. */
export interface AttackJson {
  name: string;
  kind: 'white-box' | 'black-box';
  /** Gradient evaluations per sample (0 for black-box attacks). */
  gradientSteps: number;
  /** Forward passes per sample without gradients (queries of black-box attacks). */
  queries: number;
  loss: string;
  threat: ThreatModelJson;
  options: Record<string, number | string | boolean>;
}

/**
 * The base class of all attacks.
 *
 * @example
 * const atk = vm.attacks.pgd({ space: 'latent', norm: 'l2', eps: 0.2, steps: 10, seed: 1 });
 * const adv = atk.run(model, { inputs, labels });   // latents attacked, per-modality deltas
 * adv.logits.argmax();                                // predictions under attack
 * vm.dispose(adv);
 */
export abstract class Attack<O extends BaseAttackOptions = BaseAttackOptions> {
  /** The attack's name in reports ('pgd', 'apgd-ce', ...). */
  readonly name: string;
  readonly threat: ThreatModel;
  /** The options it was configured with. */
  readonly options: Readonly<O>;
  protected readonly lossFn: LossFn;
  protected readonly reduction: 'mean' | 'sum';
  /** The attack's generator; it advances with every call. */
  protected readonly generator: Rng;

  protected constructor(name: string, options: O, ownKeys: readonly string[]) {
    const op = name;
    if (options === null || typeof options !== 'object') fail('OPTION', op, 'options', 'an object with at least eps', options);
    checkOptions(op, options, [...ATTACK_KEYS, ...ownKeys]);
    const threatOptions: Record<string, unknown> = {};
    for (const k of THREAT_MODEL_KEYS) if ((options as Record<string, unknown>)[k] !== undefined) threatOptions[k] = (options as Record<string, unknown>)[k];
    this.name = name;
    this.threat = new ThreatModel(threatOptions as unknown as ThreatModelOptions, op);
    this.lossFn = resolveLoss(op, options.loss);
    const reduction = options.reduction ?? 'mean';
    if (reduction !== 'mean' && reduction !== 'sum') fail('OPTION', op, 'reduction', "'mean' or 'sum'", reduction);
    this.reduction = reduction;
    if (options.rng !== undefined && !(options.rng instanceof Rng)) fail('OPTION', op, 'rng', 'an Rng', options.rng);
    if (options.seed !== undefined && !Number.isInteger(options.seed)) fail('OPTION', op, 'seed', 'an integer', options.seed);
    this.generator = options.rng ?? new Rng(options.seed ?? 0);
    this.options = Object.freeze({ ...options });
  }

  /** 'white-box' (uses gradients) or 'black-box' (forward passes only). */
  get kind(): 'white-box' | 'black-box' {
    return 'white-box';
  }

  /** Gradient evaluations per sample and call (for ranking attacks by strength). */
  abstract get gradientSteps(): number;

  /** Forward-only evaluations per sample and call. */
  get queries(): number {
    return 0;
  }

  /**
   * A new attack of the same kind with some options changed (a fresh generator from `seed`
   * unless `rng` is given).
   *
   * @example
   * const audioOnly = atk.with({ modalities: ['audiospec'] });
   * const stronger = atk.with({ eps: 0.4, steps: 20 });
   */
  abstract with(changes: Partial<O>): Attack<O>;

  /** Merges changes into the options for `with`: `modalities: undefined` resets to all. */
  protected merged(changes: Partial<O>): O {
    const out: Record<string, unknown> = { ...this.options };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete out[k];
      else out[k] = v;
    }
    return out as O;
  }

  /**
   * Attacks a batch of raw inputs. For a latent-space threat model the inputs are encoded first
   * (without gradients) and the latents are attacked; `clean` then holds the latents.
   *
   * @example
   * const adv = atk.run(model, { inputs: batch.inputs, labels: batch.labels });
   */
  run(model: AttackModel, batch: AttackBatch, options: PerturbOptions = {}): AttackResult {
    if (batch === null || typeof batch !== 'object') fail('VALUE', this.name, 'batch', '{ inputs, labels }', batch);
    if (this.threat.space === 'input') return this.perturb(model, batch.inputs, batch.labels, options);
    const z = noGrad(() => tidy(() => model.encode(batch.inputs)));
    try {
      return this.perturb(model, z, batch.labels, options);
    } finally {
      for (const t of Object.values(z)) t.dispose();
    }
  }

  /**
   * Attacks values that already live in the threat model's space: latents z_m for 'latent', raw
   * inputs for 'input'. The values are never modified.
   *
   * @example
   * const z = vm.noGrad(() => model.encode(inputs));
   * const adv = atk.perturb(model, z, labels);
   */
  perturb(model: AttackModel, values: Readonly<Record<string, Tensor>>, labels: Tensor, options: PerturbOptions = {}): AttackResult {
    checkOptions(this.name, options, ['noise', 'rng']);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) fail('OPTION', this.name, 'rng', 'an Rng', options.rng);
    if (values === null || typeof values !== 'object') fail('VALUE', this.name, 'values', 'a record of tensors per modality', values);
    const ctx = new AttackContext(this.name, model, this.threat, values, labels, this.lossFn, this.reduction);
    try {
      const rng = options.rng ?? this.generator;
      return tidy(() => {
        const delta: Modal = ctx.names.length === 0 ? {} : withGrad(() => tidy(() => this.search(ctx, rng, options.noise)));
        return this.result(ctx, delta);
      });
    } finally {
      ctx.dispose();
    }
  }

  /**
   * @internal Runs this attack's search in another attack's context, with this attack's own loss
   * (ensembles).
   */
  searchIn(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    return this.search(ctx.withLoss(this.lossFn, this.reduction), rng, noise);
  }

  /** The search itself: returns the perturbation of each attacked modality (`ctx.names`). */
  protected abstract search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal;

  /** Builds the result from the search's perturbations. */
  protected result(ctx: AttackContext, delta: Readonly<Modal>): AttackResult {
    const clean: Modal = {};
    const adversarial: Modal = {};
    const full: Modal = {};
    for (const m of ctx.modalities) {
      const v = ctx.values[m];
      clean[m] = v.detach();
      const d = delta[m];
      if (d === undefined) {
        adversarial[m] = v.detach();
        full[m] = zerosLike(v);
        continue;
      }
      const [lo, hi] = ctx.threat.space === 'input' ? ctx.threat.range(m) : [-Infinity, Infinity];
      const moved = lo === -Infinity && hi === Infinity ? add(v, d) : clip(add(v, d), lo, hi);
      adversarial[m] = where(eq(d, 0), v, moved);
      full[m] = d.detach();
    }
    const logits = noGrad(() => forwardIn(ctx.model, ctx.threat.space, adversarial));
    return { space: ctx.threat.space, clean, adversarial, delta: full, logits };
  }

  /** The attack's own options for reports (numbers, strings and booleans only). */
  protected describeOptions(): Record<string, number | string | boolean> {
    return {};
  }

  /** How the attack is reported. */
  toJSON(): AttackJson {
    return {
      name: this.name,
      kind: this.kind,
      gradientSteps: this.gradientSteps,
      queries: this.queries,
      loss: lossName(this.options.loss),
      threat: this.threat.toJSON(),
      options: { ...this.describeOptions(), reduction: this.reduction, ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}) },
    };
  }

  /** `pgd: latent L2 eps 0.2 (relative, split equally) on all modalities, 10 steps`. */
  toString(): string {
    const opts = Object.entries(this.describeOptions()).map(([k, v]) => `${k} ${v}`).join(', ');
    return `${this.name}: ${this.threat.toString()}${opts ? `, ${opts}` : ''}`;
  }
}

/** @internal Checks an integer option. */
export function intOption(op: string, name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail('OPTION', op, name, `an integer >= ${min}`, v);
  return v;
}

/** @internal Checks a number option. */
export function numberOption(op: string, name: string, v: unknown, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail('OPTION', op, name, `a finite number >= ${min}`, v);
  return v;
}

/** @internal Checks a boolean option. */
export function boolOption(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail('OPTION', op, name, 'true or false', v);
  return v;
}

/**
 * Runs `fn` with gradient recording on, even inside `noGrad` (attacks need input gradients during
 * evaluation, as the authors' code re-enables them in test mode). Model parameters still receive
 * nothing: gradients are taken with respect to the perturbations only.
 *
 * @example
 * vm.noGrad(() => vm.attacks.withGrad(() => vm.grad([f(x)], [x])));
 */
export function withGrad<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = true;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}
