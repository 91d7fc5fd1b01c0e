/**
 * Robustness evaluation: clean accuracy, and for every attack and attacked-modality subset the
 * robust accuracy in the paper's definition, the adversarial accuracy, and the attack success rate
 * with its denominator, over a dataset; the per-sample worst case over all attacks; and the
 * gradient-masking checks.
 */

import { noGrad } from '../autograd/grad.js';
import { checkOptions, fail } from '../errors.js';
import { dispose, tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { argmax } from '../ops/reduce.js';
import { slice } from '../ops/movement.js';
import { Dataset } from '../data/dataset.js';
import type { RawModality } from '../nn/multimodal-model.js';
import { Attack, type AttackBatch, type AttackJson } from '../attacks/attack.js';
import type { AttackModel } from '../attacks/attack-model.js';
import { checkGradientMasking, type MaskingWarning } from './gradient-masking.js';

/** A model to evaluate: an attackable model, with `prepareInputs` when the data is a `Dataset`. */
export interface EvaluatedModel extends AttackModel {
  prepareInputs?(raw: Readonly<Record<string, RawModality>>): Record<string, Tensor>;
  training?: boolean;
  train?(mode?: boolean): unknown;
}

/** Which modality subsets to attack: all jointly, each alone, both, or explicit lists. */
export type SubsetSpec = 'joint' | 'each' | 'each+joint' | readonly (readonly string[])[];

/** Options of `evaluateRobustness`. */
export interface RobustnessOptions {
  /** The attacks, by report name (an array uses each attack's own name). */
  attacks: Readonly<Record<string, Attack>> | readonly Attack[];
  /** Modality subsets (default 'joint': every modality at once, as the paper). */
  subsets?: SubsetSpec;
  /** Batch size for a `Dataset` (default 64). */
  batchSize?: number;
  /** Evaluate at most this many samples (the first ones). */
  limit?: number;
  /** Keep per-sample robust flags in the report entries (default false). */
  perSample?: boolean;
  /** Called after every batch with the samples done. */
  onBatch?: (done: number) => void;
}

/** Definitions written into every report, so that numbers are never read with another meaning. */
export const METRIC_DEFINITIONS = Object.freeze({
  robustAccuracy: 'the paper\'s definition (VARMAT.md 5.6): the fraction of ALL evaluated samples whose clean prediction AND adversarial prediction are both correct',
  adversarialAccuracy: 'the fraction of all evaluated samples whose adversarial prediction is correct, whatever the clean prediction (the other common definition)',
  attackSuccessRate: 'among the samples the model classifies correctly when clean (the denominator, reported as successDenominator), the fraction whose adversarial prediction is wrong',
  cleanAccuracy: 'the fraction of all evaluated samples classified correctly without attack',
});

/** One attack on one subset of modalities. */
export interface RobustnessEntry {
  /** The attack's report name. */
  attack: string;
  /** 'joint' (all modalities), a modality name, or names joined by '+'. */
  subset: string;
  /** The attacked modalities. */
  modalities: string[];
  /** Robust accuracy, the paper's definition (see `definitions`). */
  robustAccuracy: number;
  robustCorrect: number;
  adversarialAccuracy: number;
  adversarialCorrect: number;
  /** successes / successDenominator; null when no sample was clean-correct. */
  attackSuccessRate: number | null;
  successes: number;
  /** The denominator of the success rate: the clean-correct samples. */
  successDenominator: number;
  samples: number;
  /** Wall-clock seconds spent in this attack. */
  seconds: number;
  /** How the attack was configured. */
  config: AttackJson | null;
  /** Per sample, 1 if robust (with `perSample`). */
  robust?: number[];
}

/** What `evaluateRobustness` returns (JSON-ready). */
export interface RobustnessReport {
  samples: number;
  modalities: string[];
  clean: { accuracy: number; correct: number };
  definitions: typeof METRIC_DEFINITIONS;
  results: RobustnessEntry[];
  /**
   * Per subset and budget, a sample counts as robust only if it survives every attack with that
   * budget (null when no two attacks share one).
   */
  worstCase: RobustnessEntry[] | null;
  /** Gradient-masking findings. */
  warnings: MaskingWarning[];
  seconds: number;
}

interface Job {
  name: string;
  subset: string;
  modalities: string[];
  attack: Attack;
  robust: number[];
  advCorrect: number[];
  seconds: number;
}

/**
 * Resolves a subset spec against the model's modalities.
 *
 * @example
 * resolveSubsets('x', ['audiospec', 'colorlessimage'], 'each+joint');
 * // [{ label: 'audiospec', names: ['audiospec'] }, { label: 'colorlessimage', ... }, { label: 'joint', names: [...] }]
 */
export function resolveSubsets(op: string, modalities: readonly string[], spec: SubsetSpec): { label: string; names: string[] }[] {
  const joint = { label: 'joint', names: [...modalities] };
  const each = modalities.map((m) => ({ label: m, names: [m] }));
  if (spec === 'joint') return [joint];
  if (spec === 'each') return each;
  if (spec === 'each+joint') return modalities.length === 1 ? [joint] : [...each, joint];
  if (!Array.isArray(spec) || spec.length === 0) fail('OPTION', op, 'subsets', "'joint', 'each', 'each+joint' or a non-empty list of modality lists", spec);
  return spec.map((names, i) => {
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => modalities.includes(n))) {
      fail('VALUE', op, `subsets[${i}]`, `a non-empty list of the model's modalities (${modalities.join(', ')})`, names);
    }
    const sorted = modalities.filter((m) => names.includes(m));
    return { label: sorted.length === modalities.length ? 'joint' : sorted.join('+'), names: sorted };
  });
}

/** Batches of tensors from a dataset or an iterable of tensor batches, cut at `limit` samples. */
function* tensorBatches(op: string, model: EvaluatedModel, data: Dataset | Iterable<AttackBatch>, batchSize: number, limit: number): Generator<{ inputs: Record<string, Tensor>; labels: Tensor; owned: boolean }> {
  let seen = 0;
  if (data instanceof Dataset) {
    if (typeof model.prepareInputs !== 'function') fail('VALUE', op, 'model', 'a model with prepareInputs (to turn dataset arrays into tensors)', model);
    for (const batch of data.batches({ batchSize })) {
      if (seen >= limit) return;
      const take = Math.min(batch.labels.length, limit - seen);
      const raw: Record<string, RawModality> = {};
      for (const [m, a] of Object.entries(batch.inputs)) {
        const per = a.data.length / a.shape[0];
        raw[m] = { data: a.data.subarray(0, take * per), shape: [take, ...a.shape.slice(1)] };
      }
      const inputs = model.prepareInputs!(raw);
      const first = Object.values(inputs)[0];
      const labels = tensor(batch.labels.subarray(0, take), [take], { dtype: 'int32', backend: first.backend.name });
      seen += take;
      yield { inputs, labels, owned: true };
    }
    return;
  }
  if (data === null || typeof data !== 'object' || typeof (data as Iterable<AttackBatch>)[Symbol.iterator] !== 'function') {
    fail('VALUE', op, 'data', 'a Dataset or an iterable of { inputs, labels } tensor batches', data);
  }
  for (const batch of data as Iterable<AttackBatch>) {
    if (seen >= limit) return;
    if (!(batch.labels instanceof Tensor)) fail('VALUE', op, 'data', 'batches with an int32 labels tensor', batch);
    const n = batch.labels.shape[0];
    const take = Math.min(n, limit - seen);
    seen += take;
    if (take === n) {
      yield { inputs: { ...batch.inputs }, labels: batch.labels, owned: false };
    } else {
      const inputs = Object.fromEntries(Object.entries(batch.inputs).map(([m, t]) => [m, slice(t, [0], [take])]));
      yield { inputs, labels: slice(batch.labels, [0], [take]), owned: true };
    }
  }
}

async function predictions(logits: Tensor): Promise<Int32Array> {
  const p = tidy(() => argmax(logits, -1));
  try {
    return Int32Array.from(await p.data());
  } finally {
    p.dispose();
  }
}

function entryOf(job: Pick<Job, 'name' | 'subset' | 'modalities' | 'robust' | 'advCorrect' | 'seconds'>, clean: number[], config: AttackJson | null, perSample: boolean): RobustnessEntry {
  const n = clean.length;
  let robust = 0;
  let adv = 0;
  let cleanRight = 0;
  let successes = 0;
  for (let i = 0; i < n; i++) {
    robust += job.robust[i];
    adv += job.advCorrect[i];
    cleanRight += clean[i];
    if (clean[i] === 1 && job.advCorrect[i] === 0) successes++;
  }
  return {
    attack: job.name, subset: job.subset, modalities: job.modalities,
    robustAccuracy: n ? robust / n : NaN, robustCorrect: robust,
    adversarialAccuracy: n ? adv / n : NaN, adversarialCorrect: adv,
    attackSuccessRate: cleanRight ? successes / cleanRight : null, successes, successDenominator: cleanRight,
    samples: n, seconds: job.seconds, config,
    ...(perSample ? { robust: [...job.robust] } : {}),
  };
}

/**
 * Evaluates a model's robustness on a dataset: clean accuracy, then every attack on every subset of
 * modalities (all jointly by default; each alone with `subsets: 'each+joint'`). Latent-space attacks
 * share one encoding per batch. The model is put in evaluation mode and restored afterwards.
 *
 * @example
 * const report = await vm.evaluation.evaluateRobustness(model, splits.test, {
 *   attacks: { pgd: vm.attacks.pgd({ eps: 0.2, steps: 10, seed: 0 }), fgsm: vm.attacks.fgsm({ eps: 0.2 }) },
 *   subsets: 'each+joint', batchSize: 100, limit: 1000,
 * });
 * report.results[0].robustAccuracy;   // clean AND adversarial prediction right, over all samples
 */
export async function evaluateRobustness(model: EvaluatedModel, data: Dataset | Iterable<AttackBatch>, options: RobustnessOptions): Promise<RobustnessReport> {
  const op = 'evaluateRobustness';
  checkOptions(op, options, ['attacks', 'subsets', 'batchSize', 'limit', 'perSample', 'onBatch']);
  if (model === null || typeof model !== 'object' || !Array.isArray(model.modalities)) fail('VALUE', op, 'model', 'a model with modalities, encode and fuse', model);
  const list: [string, Attack][] = Array.isArray(options.attacks)
    ? (options.attacks as readonly Attack[]).map((a) => [a?.name, a])
    : Object.entries((options.attacks ?? {}) as Record<string, Attack>);
  if (list.length === 0) fail('OPTION', op, 'attacks', 'at least one attack', options.attacks);
  list.forEach(([name, a]) => { if (!(a instanceof Attack)) fail('OPTION', op, `attacks.${name}`, 'an Attack', a); });
  const names = list.map(([n]) => n);
  if (new Set(names).size !== names.length) fail('OPTION', op, 'attacks', 'distinct names (pass a record to name them)', names);
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('OPTION', op, 'batchSize', 'a positive integer', batchSize);
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) fail('OPTION', op, 'limit', 'a positive integer', limit);
  const subsets = resolveSubsets(op, model.modalities, options.subsets ?? 'joint');
  const jobs: Job[] = list.flatMap(([name, attack]) => subsets.map((s) => ({
    name, subset: s.label, modalities: s.names, attack: attack.with({ modalities: s.names }), robust: [], advCorrect: [], seconds: 0,
  })));
  const needLatent = jobs.some((j) => j.attack.threat.space === 'latent');
  const wasTraining = model.training;
  if (typeof model.train === 'function') model.train(false);
  const start = performance.now();
  const clean: number[] = [];
  try {
    for (const batch of tensorBatches(op, model, data, batchSize, limit)) {
      try {
        const labels = Int32Array.from(await batch.labels.data());
        const z = needLatent ? noGrad(() => tidy(() => model.encode(batch.inputs))) : null;
        try {
          const cleanLogits = noGrad(() => tidy(() => (z ? model.fuse(z) : model.fuse(model.encode(batch.inputs)))));
          const cleanPred = await predictions(cleanLogits);
          cleanLogits.dispose();
          const cleanRight = Array.from(cleanPred, (p, i) => Number(p === labels[i]));
          clean.push(...cleanRight);
          for (const job of jobs) {
            const t0 = performance.now();
            const values = job.attack.threat.space === 'latent' ? z! : batch.inputs;
            const result = job.attack.perturb(model, values, batch.labels);
            let pred: Int32Array;
            try {
              pred = await predictions(result.logits);
            } finally {
              dispose(result);
            }
            job.seconds += (performance.now() - t0) / 1000;
            pred.forEach((p, i) => {
              const right = Number(p === labels[i]);
              job.advCorrect.push(right);
              job.robust.push(right & cleanRight[i]);
            });
          }
        } finally {
          if (z) dispose(z);
        }
      } finally {
        if (batch.owned) dispose([batch.inputs, batch.labels]);
      }
      options.onBatch?.(clean.length);
    }
  } finally {
    if (typeof model.train === 'function' && wasTraining !== undefined) model.train(wasTraining);
  }
  const perSample = options.perSample ?? false;
  const results = jobs.map((j) => entryOf(j, clean, j.attack.toJSON(), perSample));
  // The worst case is taken over attacks with the same budget (curves mix budgets: no worst case).
  const budgetOf = (j: Job): string => JSON.stringify({ ...j.attack.threat.toJSON(), modalities: null });
  const groups = new Map<string, Job[]>();
  for (const j of jobs) {
    const key = `${j.subset} ${budgetOf(j)}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  const worst = [...groups.values()].filter((g) => g.length >= 2).map((mine) => {
    const robust = clean.map((_, i) => (mine.every((j) => j.robust[i] === 1) ? 1 : 0));
    const advCorrect = clean.map((_, i) => (mine.every((j) => j.advCorrect[i] === 1) ? 1 : 0));
    const name = `worst case of ${mine.map((j) => j.name).join(', ')}`;
    return entryOf({ name, subset: mine[0].subset, modalities: mine[0].modalities, robust, advCorrect, seconds: mine.reduce((t, j) => t + j.seconds, 0) }, clean, null, perSample);
  });
  const worstCase = worst.length === 0 ? null : worst;
  const warnings = checkGradientMasking(jobs.map((j) => ({
    name: j.name, kind: j.attack.kind, gradientSteps: j.attack.gradientSteps, subset: j.subset,
    budget: JSON.stringify({ ...j.attack.threat.toJSON(), modalities: null }), robust: Uint8Array.from(j.robust),
  })));
  const correct = clean.reduce((a, b) => a + b, 0);
  return {
    samples: clean.length,
    modalities: [...model.modalities],
    clean: { accuracy: clean.length ? correct / clean.length : NaN, correct },
    definitions: METRIC_DEFINITIONS,
    results,
    worstCase,
    warnings,
    seconds: (performance.now() - start) / 1000,
  };
}
