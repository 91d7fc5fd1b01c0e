/**
 * One VARMAT (or Avg) adversarial-training step (VARMAT.md 4):
 *   z = E(x)                                  (graph kept: the encoder trains through z)
 *   V = probe(F, sg(z), y)                    (createGraph: differentiable w.r.t. fusion + head only)
 *   delta = fastAt(sg(z), y, idx, epoch)      (detached)
 *   loss = CE_mean(F(z + delta), y) + alpha * aggregate(V)      (Avg: no penalty)
 *   [+ CE_mean(F(sg(z) + delta_start), y) with hiddenExtraGradient: the authors' accidental term]
 *   loss.backward()                           (gradients accumulate into the parameters' .grad)
 * The caller steps and zeroes the optimizer.
 */

import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { crossEntropy } from '../ops/nn.js';
import type { Rng } from '../random.js';
import type { FastAtAttack } from '../attacks/fast-at/fast-at-attack.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import { probe, type ProbeForm } from './probe.js';
import { aggregateVulnerability, type Aggregation } from './aggregate.js';

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
  checkOptions(op, options, ['at', 'alpha', 'aggregate', 'temperature', 'probeForm', 'eps', 'hiddenExtraGradient', 'logVulnerability', 'rng', 'noise']);
  if (options.at !== 'varmat' && options.at !== 'avg') fail('OPTION', op, 'at', "'varmat' or 'avg'", options.at);
  const alpha = options.alpha ?? 1000;
  if (!(typeof alpha === 'number' && Number.isFinite(alpha) && alpha >= 0)) fail('VALUE', op, 'alpha', 'a finite number >= 0', alpha);
  const varmat = options.at === 'varmat';
  const logV = options.logVulnerability ?? true;
  return tidy(() => {
    const z = model.encode(inputs);
    const zd: Record<string, Tensor> = {};
    for (const m of model.modalities) zd[m] = z[m].detach();
    const probeOptions = { form: options.probeForm ?? 'gradient', eps: options.eps ?? 0.01 } as const;
    const v = varmat ? probe(model, zd, labels, { ...probeOptions, createGraph: true }) : logV ? probe(model, zd, labels, { ...probeOptions, createGraph: false }) : null;
    const s = attack.step(model, zd, labels, indices, epoch, { ...(options.rng ? { rng: options.rng } : {}), ...(options.noise ? { noise: options.noise } : {}) });
    const adv: Record<string, Tensor> = {};
    for (const m of model.modalities) adv[m] = z[m].add(s.delta[m]);
    const logits = model.fuse(adv);
    const ce = crossEntropy(logits, labels);
    const penalty = varmat && v ? aggregateVulnerability(v, options.aggregate ?? 'sum', options.temperature ?? 1).mul(alpha) : null;
    const total = penalty ? ce.add(penalty) : ce;
    let backprop = total;
    if (options.hiddenExtraGradient) {
      const start: Record<string, Tensor> = {};
      for (const m of model.modalities) start[m] = zd[m].add(s.start[m]);
      backprop = total.add(crossEntropy(model.fuse(start), labels));
    }
    backprop.backward();
    const pred = logits.detach().argmax(-1).dataSync();
    const y = labels.dataSync();
    let correct = 0;
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
    let vulnerability: number[] | null = null;
    if (v) {
      const vm = v.detach().mean(0).dataSync();
      vulnerability = Array.from(vm, Number);
    }
    return {
      ce: ce.dataSync()[0], penalty: penalty ? penalty.dataSync()[0] : 0, loss: total.dataSync()[0],
      vulnerability, correct, samples: y.length,
    };
  });
}
