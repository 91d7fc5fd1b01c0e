/**
 * Robustness evaluation: clean accuracy, robust accuracy (the paper's definition, named as such),
 * adversarial accuracy and attack success rate (with its denominator) per attack and modality
 * subset, robust accuracy versus budget, and gradient-masking checks.
 *
 * @example
 * const report = await vm.evaluation.evaluateRobustness(model, splits.test, { attacks: [vm.attacks.pgd({ eps: 0.2 })], subsets: 'each+joint' });
 * console.log(vm.evaluation.formatRobustnessReport(report));
 */
export {
  evaluateRobustness, resolveSubsets, METRIC_DEFINITIONS,
  type EvaluatedModel, type RobustnessEntry, type RobustnessOptions, type RobustnessReport, type SubsetSpec,
} from './evaluate-robustness.js';
export { robustnessCurve, type CurvePoint, type RobustnessCurve, type RobustnessCurveOptions } from './robustness-curve.js';
export { checkGradientMasking, checkMonotoneInBudget, type MaskingInput, type MaskingWarning } from './gradient-masking.js';
export { formatRobustnessReport } from './format-report.js';
