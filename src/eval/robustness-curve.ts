import { checkOptions, fail } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { Attack, AttackBatch } from '../attacks/attack.js';
import { evaluateRobustness, type EvaluatedModel, type RobustnessReport, type SubsetSpec } from './evaluate-robustness.js';
import { checkMonotoneInBudget, type MaskingWarning } from './gradient-masking.js';

/** Options of `robustnessCurve`. */
export interface RobustnessCurveOptions {
  /** The budgets to evaluate (eps of the attack's threat model). */
  eps: readonly number[];
  subsets?: SubsetSpec;
  batchSize?: number;
  limit?: number;
}

/** One point of a curve. */
export interface CurvePoint {
  eps: number;
  subset: string;
  robustAccuracy: number;
  adversarialAccuracy: number;
  attackSuccessRate: number | null;
}

/** Robust accuracy versus budget, with the evaluation it came from. */
export interface RobustnessCurve {
  attack: string;
  points: CurvePoint[];
  /** Budgets at which robust accuracy rose (it should not), plus the evaluation's own warnings. */
  warnings: MaskingWarning[];
  report: RobustnessReport;
}

/**
 * Robust accuracy (paper definition) of `attack` at each budget in `eps`, per modality subset, in
 * one pass over the data; warns where it rises with the budget.
 *
 * @example
 * const curve = await vm.evaluation.robustnessCurve(model, splits.test, vm.attacks.pgd({ eps: 0.2, steps: 10 }), { eps: [0.05, 0.1, 0.2, 0.4] });
 * curve.points.map((p) => [p.eps, p.robustAccuracy]);
 */
export async function robustnessCurve(model: EvaluatedModel, data: Dataset | Iterable<AttackBatch>, attack: Attack, options: RobustnessCurveOptions): Promise<RobustnessCurve> {
  const op = 'robustnessCurve';
  checkOptions(op, options, ['eps', 'subsets', 'batchSize', 'limit']);
  const eps = options.eps;
  if (!Array.isArray(eps) || eps.length === 0 || !eps.every((e) => typeof e === 'number' && Number.isFinite(e) && e >= 0)) {
    fail('OPTION', op, 'eps', 'a non-empty list of budgets >= 0', eps);
  }
  const sorted = [...new Set(eps)].sort((a, b) => a - b);
  const attacks: Record<string, Attack> = {};
  for (const e of sorted) attacks[`${attack.name}@${e}`] = attack.with({ eps: e });
  const report = await evaluateRobustness(model, data, {
    attacks,
    ...(options.subsets !== undefined ? { subsets: options.subsets } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
  const points: CurvePoint[] = report.results.map((r) => ({
    eps: sorted[Object.keys(attacks).indexOf(r.attack)],
    subset: r.subset,
    robustAccuracy: r.robustAccuracy,
    adversarialAccuracy: r.adversarialAccuracy,
    attackSuccessRate: r.attackSuccessRate,
  }));
  const subsets = [...new Set(points.map((p) => p.subset))];
  const warnings = [
    ...subsets.flatMap((s) => checkMonotoneInBudget(attack.name, s, points.filter((p) => p.subset === s).map((p) => ({ eps: p.eps, accuracy: p.robustAccuracy })))),
    ...report.warnings,
  ];
  return { attack: attack.name, points, warnings, report };
}
