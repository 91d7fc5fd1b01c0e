/**
 * Vulnerability-proportional budget allocation (beyond the paper; VARMAT.md 5.5 and 9.3 say the
 * authors always split the training budget equally, W_m = 1/K).
 *
 * With `budget: 'vulnerability'` the training attack gives modality m the share
 *   W_m = Vbar_m / sum_k Vbar_k,   Vbar_m = the batch mean of the probe's V[b, m] (a host constant),
 * instead of 1/K. The shares sum to 1, so the total budget is the equal split's: a relative budget
 * eps split equally gives each modality (eps / K) ||x_m||; the proportional split gives
 * W_m eps ||x_m||, and sum_m W_m = K * (1/K) = 1.
 *
 * Why the batch mean and not per sample: the threat model holds one budget per modality (per-sample
 * radii stay proportional to each sample's own norm, as in the authors' code, only the modality
 * shares move); a single sample's gradient norms are tiny and noisy for confidently classified
 * samples (0 / 0 shares), whereas the batch mean is the quantity the regularizer sums; and a batch
 * share is what the per-epoch log reports, so a run's allocation can be read from its log.
 */

import { fail } from '../errors.js';
import type { ThreatModel, ThreatModelOptions } from '../attacks/threat-model.js';

/** How the training attack's budget is split over modalities: 'equal' (faithful, 1/K) or 'vulnerability'. */
export type BudgetAllocation = 'equal' | 'vulnerability';

/**
 * The shares W_m = v_m / sum_k v_k of the per-modality mean vulnerabilities `v` (model order), or
 * null when the equal split applies exactly: every v_m equal (so W_m = 1/K; returning null keeps the
 * step bit-identical to 'equal'), or a sum of 0 (no modality is vulnerable; nothing to prefer).
 *
 * @example
 * vm.robust.budgetShares([1, 3]);   // [0.25, 0.75]
 * vm.robust.budgetShares([2, 2]);   // null: the equal split
 */
export function budgetShares(v: readonly number[]): number[] | null {
  const op = 'budgetShares';
  if (!Array.isArray(v) || v.length === 0) fail('VALUE', op, 'v', 'a non-empty array of per-modality vulnerabilities', v);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i]) || v[i] < 0) fail('VALUE', op, `v[${i}]`, 'a finite number >= 0', v[i]);
  }
  if (v.every((x) => x === v[0])) return null;
  const total = v.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  return v.map((x) => x / total);
}

/**
 * The threat-model changes that give modality `modalities[i]` the share `shares[i]` of `threat`'s
 * budget, relative to its equal split: eps_m becomes eps_m * K * W_m (with `split: 'equal'` the
 * radius is then W_m eps ||x_m||; with `split: 'each'` the K budgets still add up to K eps). A
 * share of 0 gives a budget of 0: that modality is not attacked.
 *
 * @example
 * const changes = vm.robust.sharedBudget(attack.threat, model.modalities, [0.25, 0.75]);
 * attack.step(model, z, labels, indices, epoch, { threat: changes });
 */
export function sharedBudget(threat: ThreatModel, modalities: readonly string[], shares: readonly number[]): Partial<ThreatModelOptions> {
  const op = 'sharedBudget';
  if (shares.length !== modalities.length) fail('VALUE', op, 'shares', `one share per modality (${modalities.length})`, shares.length);
  const k = modalities.length;
  const eps: Record<string, number> = {};
  modalities.forEach((m, i) => {
    const w = shares[i];
    if (!(Number.isFinite(w) && w >= 0 && w <= 1)) fail('VALUE', op, `shares[${i}]`, 'a number in [0, 1]', w);
    const base = typeof threat.eps === 'number' ? threat.eps : threat.eps[m] ?? 0;
    eps[m] = base * k * w;
  });
  return { eps };
}
