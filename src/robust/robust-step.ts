/**
 * One VARMAT (or Avg) adversarial-training step (VARMAT.md 4):
 *   z = E(x)                                  (graph kept: the encoder trains through z)
 *   V = probe(F, sg(z), y)                    (createGraph: differentiable w.r.t. fusion + head only)
 *   delta = fastAt(sg(z), y, idx, epoch)      (detached)
 *   loss = CE_mean(F(z + delta), y) + alpha * aggregate(V)      (Avg: no penalty)
 *   [+ CE_mean(F(sg(z) + delta_start), y) with hiddenExtraGradient: the authors' accidental term]
 *   loss.backward()                           (gradients accumulate into the parameters' .grad)
 * The caller steps and zeroes the optimizer.
 *
 * Beyond the paper, as named options (the defaults are the faithful step):
 *  - `budget: 'vulnerability'` gives modality m the share W_m = Vbar_m / sum_k Vbar_k of the attack's
 *    budget instead of 1/K (budget-allocation.ts);
 *  - `space: 'input'` is input-space VARMAT: the probe and the attack act on the raw modalities,
 *      V = inputProbe(E and F, sg(x), y)        (createGraph: differentiable w.r.t. encoder, fusion, head)
 *      delta = fastAt(sg(x), y, idx, epoch)     (in input space, clipped into the value ranges)
 *      loss = CE_mean(F(E(x + delta)), y) + alpha * aggregate(V)
 *    so the penalty trains the encoder too (the latent form's penalty never reaches it).
 */

import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { crossEntropy } from '../ops/nn.js';
import type { Rng } from '../random.js';
import type { FastAtAttack } from '../attacks/fast-at/fast-at-attack.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import { clip } from '../ops/elementwise.js';
import type { ThreatModelOptions, ValueRange } from '../attacks/threat-model.js';
import { inputProbe, probe, type ProbeForm } from './probe.js';
import { aggregateVulnerability, type Aggregation } from './aggregate.js';
import { budgetShares, sharedBudget, type BudgetAllocation } from './budget-allocation.js';

/** Where VARMAT probes and perturbs: the encoder's latents (faithful) or the raw modalities. */
export type VarmatSpace = 'latent' | 'input';

/** Adversarial-training method: VARMAT (probe penalty) or the Avg baseline (none). */
export type AtMethod = 'varmat' | 'avg';

/** Options of `robustStep`. */
export interface RobustStepOptions {
  /** 'varmat' adds alpha * R; 'avg' does not. */
  at: AtMethod;
  /** Weight of the regularizer (faithful: 1000, on batch-mean CE gradients). */
  alpha?: number;
  /** How V is combined over modalities (faithful: 'sum'). */
  aggregate?: Aggregation;
  /** Temperature of the 'softmax' aggregation (default 1). */
  temperature?: number;
  /** Probe form (faithful: 'gradient'). */
  probeForm?: ProbeForm;
  /** The training budget used by the 'dual' probe form (default: the attack's 0.01). */
  eps?: number;
  /**
   * Add the authors' accidental extra gradient (VARMAT.md 4): CE at the attack's starting point on
   * the detached latents, reaching only the fusion network and head. Default false.
   */
  hiddenExtraGradient?: boolean;
  /** Compute V for logging in Avg runs too (without graph). Default true. */
  logVulnerability?: boolean;
  /**
   * How the training attack's budget is split over modalities: 'equal' (faithful, W_m = 1/K) or
   * 'vulnerability' (W_m = Vbar_m / sum_k Vbar_k from this batch's probe, a constant; the same total
   * budget). Works for 'avg' and 'varmat'.
   */
  budget?: BudgetAllocation;
  /**
   * 'latent' (faithful): probe and attack on the encoder's latents. 'input': on the raw modalities
   * (the attack runs in input space: an input-space attack as given, or a latent-form one moved to
   * input space with the same norm and budget); the penalty then also trains the encoder.
   */
  space?: VarmatSpace;
  /** Valid input values for `space: 'input'` (adversarial inputs are clipped into them); default: the attack's. */
  ranges?: ValueRange | Readonly<Record<string, ValueRange>>;
  /** Random generator of the attack (default: the attack's own). */
  rng?: Rng;
  /** Fixed start noise of the attack per modality (as the attacks' `noise` option; for fidelity tests). */
  noise?: Readonly<Record<string, Tensor>>;
}

/** What one step reports (host numbers; one read-back per step). */
export interface RobustStepResult {
  /** Batch-mean adversarial cross-entropy. */
  ce: number;
  /** alpha * R (0 for Avg). */
  penalty: number;
  /** The total loss that was back-propagated (without the hidden extra term). */
  loss: number;
  /** Per modality (model order), the batch mean of V[b, m]; null if not computed. */
  vulnerability: number[] | null;
  /** The budget shares used per modality (model order); null for the equal split. */
  budgetShares: number[] | null;
  /** Samples whose adversarial prediction is correct. */
  correct: number;
  samples: number;
}

/**
 * Runs the forward passes, the probe, the attack and the backward pass of one training step.
 * Reads back a few scalars (reference and wasm backends: synchronous).
 *
 * @example
 * const r = vm.robust.robustStep(model, vm.attacks.fgsmRs({ seed: 0 }), x, labels, batch.indices, epoch, { at: 'varmat', alpha: 1000 });
 * optimizer.step(); optimizer.zeroGrad();
 */
export function robustStep(
  model: MultimodalModel, attack: FastAtAttack, inputs: Readonly<Record<string, Tensor>>, labels: Tensor,
  indices: ArrayLike<number> | Tensor, epoch: number, options: RobustStepOptions,
): RobustStepResult {
  const op = 'robustStep';
  checkOptions(op, options, ['at', 'alpha', 'aggregate', 'temperature', 'probeForm', 'eps', 'hiddenExtraGradient', 'logVulnerability', 'budget', 'space', 'ranges', 'rng', 'noise']);
  if (options.at !== 'varmat' && options.at !== 'avg') fail('OPTION', op, 'at', "'varmat' or 'avg'", options.at);
  const alpha = options.alpha ?? 1000;
  if (!(typeof alpha === 'number' && Number.isFinite(alpha) && alpha >= 0)) fail('VALUE', op, 'alpha', 'a finite number >= 0', alpha);
  const budget = options.budget ?? 'equal';
  if (budget !== 'equal' && budget !== 'vulnerability') fail('OPTION', op, 'budget', "'equal' or 'vulnerability'", budget);
  const space = options.space ?? 'latent';
  if (space !== 'latent' && space !== 'input') fail('OPTION', op, 'space', "'latent' or 'input'", space);
  const probeForm = options.probeForm ?? 'gradient';
  const input = space === 'input';
  if (input) {
    if (probeForm !== 'gradient') fail('OPTION', op, 'probeForm', "'gradient' with space 'input' (the dual form is defined for the latent L2 budget)", probeForm);
    if (options.hiddenExtraGradient) fail('OPTION', op, 'hiddenExtraGradient', "false with space 'input' (it reproduces an artifact of the authors' latent code)", true);
  } else {
    if (attack.threat.space !== 'latent') fail('OPTION', op, 'attack', "a latent-space attack with space 'latent' (pass space: 'input' for an input-space attack)", `an attack in ${attack.threat.space} space`);
    if (options.ranges !== undefined) fail('OPTION', op, 'ranges', "value ranges only with space 'input'", options.ranges);
  }
  const varmat = options.at === 'varmat';
  const logV = options.logVulnerability ?? true;
  return tidy(() => {
    const names = model.modalities;
    // Latent: z = E(x) with history (the encoder trains through z), values = sg(z). Input: values = sg(x).
    const z = input ? null : model.encode(inputs);
    const values: Record<string, Tensor> = {};
    for (const m of names) values[m] = (z ? z[m] : inputs[m]).detach();
    const needV = varmat || logV || budget === 'vulnerability';
    const probeAt = (createGraph: boolean): Tensor => (input
      ? inputProbe(model, values, labels, { createGraph })
      : probe(model, values, labels, { form: probeForm, eps: options.eps ?? 0.01, createGraph }));
    const v = varmat ? probeAt(true) : needV ? probeAt(false) : null;
    const vbar = v ? Array.from(v.detach().mean(0).dataSync(), Number) : null;
    const shares = budget === 'vulnerability' ? budgetShares(vbar!) : null;
    const threat: Partial<ThreatModelOptions> = {};
    if (input && attack.threat.space !== 'input') threat.space = 'input';
    if (input && options.ranges !== undefined) threat.ranges = options.ranges;
    if (shares) Object.assign(threat, sharedBudget(attack.threat, names, shares));
    const s = attack.step(model, values, labels, indices, epoch, {
      ...(options.rng ? { rng: options.rng } : {}), ...(options.noise ? { noise: options.noise } : {}),
      ...(Object.keys(threat).length > 0 ? { threat } : {}),
    });
    const adv: Record<string, Tensor> = {};
    if (z) {
      for (const m of names) adv[m] = z[m].add(s.delta[m]);
    } else {
      const tm = threat.space !== undefined || threat.ranges !== undefined ? attack.threat.with(threat) : attack.threat;
      for (const m of names) {
        const [lo, hi] = tm.range(m);
        const moved = inputs[m].add(s.delta[m]);
        adv[m] = lo === -Infinity && hi === Infinity ? moved : clip(moved, lo, hi);
      }
    }
    const logits = model.fuse(z ? adv : model.encode(adv));
    const ce = crossEntropy(logits, labels);
    const penalty = varmat && v ? aggregateVulnerability(v, options.aggregate ?? 'sum', options.temperature ?? 1).mul(alpha) : null;
    const total = penalty ? ce.add(penalty) : ce;
    let backprop = total;
    if (options.hiddenExtraGradient) {
      const start: Record<string, Tensor> = {};
      for (const m of names) start[m] = values[m].add(s.start[m]);
      backprop = total.add(crossEntropy(model.fuse(start), labels));
    }
    backprop.backward();
    const pred = logits.detach().argmax(-1).dataSync();
    const y = labels.dataSync();
    let correct = 0;
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
    return {
      ce: ce.dataSync()[0], penalty: penalty ? penalty.dataSync()[0] : 0, loss: total.dataSync()[0],
      vulnerability: vbar, budgetShares: shares, correct, samples: y.length,
    };
  });
}
