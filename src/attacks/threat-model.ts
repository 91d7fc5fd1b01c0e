/**
 * Threat models: where a perturbation lives (raw inputs or encoder latents), its norm, each
 * modality's budget (absolute, or relative to each sample's own norm as VARMAT does), which
 * modalities are attacked, and each input modality's valid value range.
 */

import { checkOptions, fail } from '../errors.js';

/** Where the perturbation is added: to the raw modalities, or to the encoder's latents z_m. */
export type AttackSpace = 'input' | 'latent';

/** The perturbation's norm. */
export type AttackNorm = 'l2' | 'linf';

/** A closed interval [lo, hi] of valid values. */
export type ValueRange = readonly [number, number];

/**
 * How a threat model is written. Every field but `eps` has a default.
 *
 * @example
 * // The paper's evaluation: latent L2 balls of radius (0.2 / K) * ||z_m|| on every modality.
 * const paper: ThreatModelOptions = { space: 'latent', norm: 'l2', eps: 0.2, relative: true, split: 'equal' };
 * // Pixels in [0, 1], L-inf 8/255 on the image only.
 * const pixels: ThreatModelOptions = { space: 'input', norm: 'linf', eps: 8 / 255, modalities: ['colorlessimage'], ranges: [0, 1] };
 */
export interface ThreatModelOptions {
  /** 'latent' (default; the encoder outputs z_m, as the paper) or 'input' (the raw modalities). */
  space?: AttackSpace;
  /** 'l2' (default) or 'linf'. */
  norm?: AttackNorm;
  /** The budget: one number for every modality, or one per modality name. Required. */
  eps: number | Readonly<Record<string, number>>;
  /**
   * Relative budgets: a sample's radius is eps times the norm (in `norm`) of its own clean value of
   * that modality, per sample (VARMAT.md 5.0: r_{b,m} = (eps/K) ||z_{b,m}||). Default: true in latent
   * space, false in input space.
   */
  relative?: boolean;
  /**
   * 'equal' divides each modality's eps by K, the number of modalities of the model (the paper's
   * "Avg" split, W = 1/K, whichever modalities are attacked); 'each' gives every attacked modality
   * its full eps. Default: 'equal' for relative budgets, 'each' for absolute ones.
   */
  split?: 'equal' | 'each';
  /** The attacked modalities (default: all of the model's). The others stay bit-identical. */
  modalities?: readonly string[];
  /**
   * Valid values of input modalities: one [lo, hi] for all, or one per name (input space only;
   * unbounded by default). Adversarial inputs are clipped into them.
   */
  ranges?: ValueRange | Readonly<Record<string, ValueRange>>;
}

/** The JSON form of a resolved threat model (what reports record). */
export interface ThreatModelJson {
  space: AttackSpace;
  norm: AttackNorm;
  eps: number | Record<string, number>;
  relative: boolean;
  split: 'equal' | 'each';
  modalities: string[] | 'all';
  ranges: [number, number] | Record<string, [number, number]> | null;
}

/** The option names a threat model takes (attacks accept them next to their own). */
export const THREAT_MODEL_KEYS = ['space', 'norm', 'eps', 'relative', 'split', 'modalities', 'ranges'] as const;

const UNBOUNDED: ValueRange = [-Infinity, Infinity];

/**
 * A checked, immutable threat model. Budgets are resolved per modality against a model's modality
 * list at attack time (`budget`), so one threat model serves any model.
 *
 * @example
 * const tm = new ThreatModel({ eps: 0.2 });        // latent, L2, relative, split equally
 * tm.budget('audiospec', 2);                        // 0.1: the radius is 0.1 * ||z_audiospec||
 * tm.with({ modalities: ['audiospec'] });            // the same budget on one modality
 */
export class ThreatModel {
  readonly space: AttackSpace;
  readonly norm: AttackNorm;
  readonly eps: number | Readonly<Record<string, number>>;
  readonly relative: boolean;
  readonly split: 'equal' | 'each';
  /** The attacked modalities, or null for all of the model's. */
  readonly modalities: readonly string[] | null;
  readonly ranges: ValueRange | Readonly<Record<string, ValueRange>> | null;

  constructor(options: ThreatModelOptions, op = 'ThreatModel') {
    if (options === null || typeof options !== 'object') fail('OPTION', op, 'options', 'an object with at least eps', options);
    checkOptions(op, options, THREAT_MODEL_KEYS);
    const space = options.space ?? 'latent';
    if (space !== 'latent' && space !== 'input') fail('OPTION', op, 'space', "'latent' or 'input'", space);
    const norm = options.norm ?? 'l2';
    if (norm !== 'l2' && norm !== 'linf') fail('OPTION', op, 'norm', "'l2' or 'linf'", norm);
    const eps = options.eps;
    if (typeof eps === 'number') {
      checkEps(op, 'eps', eps);
    } else if (eps !== null && typeof eps === 'object' && !Array.isArray(eps)) {
      if (Object.keys(eps).length === 0) fail('VALUE', op, 'eps', 'a number or a non-empty record of numbers per modality', eps);
      for (const [name, v] of Object.entries(eps)) checkEps(op, `eps.${name}`, v);
    } else {
      fail('VALUE', op, 'eps', 'a number >= 0 or a record of numbers >= 0 per modality', eps);
    }
    const relative = options.relative ?? space === 'latent';
    if (typeof relative !== 'boolean') fail('OPTION', op, 'relative', 'true or false', relative);
    const split = options.split ?? (relative ? 'equal' : 'each');
    if (split !== 'equal' && split !== 'each') fail('OPTION', op, 'split', "'equal' or 'each'", split);
    let modalities: readonly string[] | null = null;
    if (options.modalities !== undefined) {
      const m = options.modalities;
      if (!Array.isArray(m) || m.length === 0 || !m.every((s) => typeof s === 'string' && s.length > 0)) {
        fail('VALUE', op, 'modalities', 'a non-empty list of modality names', m);
      }
      if (new Set(m).size !== m.length) fail('VALUE', op, 'modalities', 'distinct names', m);
      modalities = Object.freeze([...m]);
    }
    let ranges: ValueRange | Readonly<Record<string, ValueRange>> | null = null;
    if (options.ranges !== undefined) {
      if (space !== 'input') fail('OPTION', op, 'ranges', "value ranges only with space 'input' (latents have no valid range)", options.ranges);
      const r = options.ranges;
      if (Array.isArray(r)) {
        ranges = checkRange(op, 'ranges', r);
      } else if (r !== null && typeof r === 'object') {
        const out: Record<string, ValueRange> = {};
        for (const [name, v] of Object.entries(r as Record<string, ValueRange>)) out[name] = checkRange(op, `ranges.${name}`, v);
        ranges = Object.freeze(out);
      } else {
        fail('VALUE', op, 'ranges', '[lo, hi] or a record of [lo, hi] per modality', r);
      }
    }
    this.space = space;
    this.norm = norm;
    this.eps = typeof eps === 'number' ? eps : Object.freeze({ ...eps });
    this.relative = relative;
    this.split = split;
    this.modalities = modalities;
    this.ranges = ranges;
    Object.freeze(this);
  }

  /** The options this threat model was resolved from, with every default filled in. */
  get options(): ThreatModelOptions {
    return {
      space: this.space, norm: this.norm, eps: this.eps, relative: this.relative, split: this.split,
      ...(this.modalities ? { modalities: this.modalities } : {}),
      ...(this.ranges ? { ranges: this.ranges } : {}),
    };
  }

  /**
   * A copy with some options changed. Changing `space` drops `ranges` unless given again, and
   * changing `relative` re-derives `split` unless given.
   *
   * @example
   * const audioOnly = tm.with({ modalities: ['audiospec'] });
   * const bigger = tm.with({ eps: 0.4 });
   */
  with(changes: Partial<ThreatModelOptions>): ThreatModel {
    const base = this.options;
    if (changes.space !== undefined && changes.space !== this.space && changes.ranges === undefined) delete base.ranges;
    if (changes.relative !== undefined && changes.relative !== this.relative && changes.split === undefined) delete base.split;
    if ('modalities' in changes && changes.modalities === undefined) delete base.modalities;
    return new ThreatModel({ ...base, ...stripUndefined(changes) });
  }

  /**
   * The attacked modalities of a model with these `modalities` (sorted-name order kept), checked:
   * unknown names, and eps records that miss an attacked modality or name an unknown one, are
   * VALUE errors.
   */
  attacked(op: string, modalities: readonly string[]): string[] {
    const known = new Set(modalities);
    if (this.modalities) {
      for (const m of this.modalities) {
        if (!known.has(m)) fail('VALUE', op, 'modalities', `names of the model's modalities (${modalities.join(', ')})`, m);
      }
    }
    const chosen = this.modalities ? modalities.filter((m) => this.modalities!.includes(m)) : [...modalities];
    if (typeof this.eps === 'object') {
      for (const name of Object.keys(this.eps)) {
        if (!known.has(name)) fail('VALUE', op, `eps.${name}`, `budgets for the model's modalities (${modalities.join(', ')})`, name);
      }
      for (const m of chosen) {
        if (this.eps[m] === undefined) fail('VALUE', op, 'eps', `a budget for every attacked modality (missing '${m}')`, this.eps);
      }
    }
    if (this.ranges && !Array.isArray(this.ranges)) {
      for (const name of Object.keys(this.ranges)) {
        if (!known.has(name)) fail('VALUE', op, `ranges.${name}`, `ranges of the model's modalities (${modalities.join(', ')})`, name);
      }
    }
    return chosen;
  }

  /**
   * The budget factor of modality `name` in a model of `k` modalities: the radius itself for
   * absolute budgets, the multiple of the sample's norm for relative ones (eps, divided by k when
   * split equally).
   */
  budget(name: string, k: number): number {
    const eps = typeof this.eps === 'number' ? this.eps : this.eps[name] ?? 0;
    return this.split === 'equal' ? eps / k : eps;
  }

  /** The valid value range of an input modality (unbounded when none was given). */
  range(name: string): ValueRange {
    if (this.ranges === null) return UNBOUNDED;
    if (Array.isArray(this.ranges)) return this.ranges as ValueRange;
    return (this.ranges as Readonly<Record<string, ValueRange>>)[name] ?? UNBOUNDED;
  }

  /** The JSON form, for reports. */
  toJSON(): ThreatModelJson {
    const range = (r: ValueRange): [number, number] => [r[0], r[1]];
    return {
      space: this.space,
      norm: this.norm,
      eps: typeof this.eps === 'number' ? this.eps : { ...this.eps },
      relative: this.relative,
      split: this.split,
      modalities: this.modalities ? [...this.modalities] : 'all',
      ranges: this.ranges === null ? null
        : Array.isArray(this.ranges) ? range(this.ranges as ValueRange)
          : Object.fromEntries(Object.entries(this.ranges as Record<string, ValueRange>).map(([k, v]) => [k, range(v)])),
    };
  }

  /** A one-line description: `latent L2 eps 0.2 (relative, split equally) on all modalities`. */
  toString(): string {
    const eps = typeof this.eps === 'number' ? String(this.eps) : Object.entries(this.eps).map(([k, v]) => `${k} ${v}`).join(', ');
    const how = this.relative ? `relative, ${this.split === 'equal' ? 'split equally' : 'each'}` : `absolute, ${this.split === 'equal' ? 'split equally' : 'each'}`;
    const on = this.modalities ? this.modalities.join('+') : 'all modalities';
    return `${this.space} ${this.norm === 'l2' ? 'L2' : 'L-inf'} eps ${eps} (${how}) on ${on}`;
  }
}

function checkEps(op: string, arg: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail('VALUE', op, arg, 'a finite number >= 0', v);
}

function checkRange(op: string, arg: string, r: unknown): ValueRange {
  if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number' || typeof r[1] !== 'number' || Number.isNaN(r[0]) || Number.isNaN(r[1]) || !(r[0] < r[1])) {
    fail('VALUE', op, arg, '[lo, hi] with lo < hi', r);
  }
  return Object.freeze([r[0], r[1]]) as ValueRange;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
