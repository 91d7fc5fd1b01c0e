/**
 * Gradient-masking checks in the spirit of AutoAttack and Carlini et al.'s evaluation checklist:
 * a gradient-based attack should be at least as strong as a black-box one with the same budget, an
 * iterative attack at least as strong as a single-step one, and robust accuracy should never rise
 * with the budget. When one of these fails, the white-box numbers overstate robustness.
 */

/** One attack's outcome on a set of samples, as the checks need it. */
export interface MaskingInput {
  /** The attack's report name. */
  name: string;
  kind: 'white-box' | 'black-box';
  /** Gradient evaluations per sample. */
  gradientSteps: number;
  /** The attacked modalities' label ('joint', 'audiospec', ...); only equal subsets are compared. */
  subset: string;
  /** The budget's JSON (only equal budgets are compared). */
  budget: string;
  /** Per sample: 1 if robust (clean and adversarial predictions right). */
  robust: Uint8Array;
}

/** A finding of the checks. */
export interface MaskingWarning {
  kind: 'black-box-beats-white-box' | 'single-step-beats-iterative' | 'not-monotone-in-budget';
  subset: string;
  /** The attack that should be stronger and the one that beat it. */
  expectedStronger: string;
  stronger: string;
  /** Robust accuracies (fractions) of the two. */
  expectedAccuracy: number;
  accuracy: number;
  /** Samples the weaker attack broke that the stronger one did not. */
  samplesOnlyBrokenByWeaker: number;
  message: string;
}

function accuracy(r: Uint8Array): number {
  let n = 0;
  for (const v of r) n += v;
  return r.length === 0 ? NaN : n / r.length;
}

function brokenOnlyBy(weaker: Uint8Array, stronger: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < weaker.length; i++) if (weaker[i] === 0 && stronger[i] === 1) n++;
  return n;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * Compares attacks run on the same samples with the same subset and budget, and warns when a
 * weaker attack (black-box, or fewer gradient steps) reaches a lower robust accuracy than a
 * stronger white-box one.
 *
 * @example
 * const warnings = checkGradientMasking(entries);
 * for (const w of warnings) console.warn(w.message);
 */
export function checkGradientMasking(entries: readonly MaskingInput[]): MaskingWarning[] {
  const out: MaskingWarning[] = [];
  for (const strong of entries) {
    if (strong.kind !== 'white-box') continue;
    for (const weak of entries) {
      if (weak === strong || weak.subset !== strong.subset || weak.budget !== strong.budget || weak.robust.length !== strong.robust.length) continue;
      const blackBox = weak.kind === 'black-box';
      const singleStep = weak.kind === 'white-box' && weak.gradientSteps <= 1 && strong.gradientSteps > 1;
      if (!blackBox && !singleStep) continue;
      const [accStrong, accWeak] = [accuracy(strong.robust), accuracy(weak.robust)];
      if (!(accWeak < accStrong)) continue;
      const only = brokenOnlyBy(weak.robust, strong.robust);
      const kind = blackBox ? 'black-box-beats-white-box' : 'single-step-beats-iterative';
      out.push({
        kind, subset: strong.subset, expectedStronger: strong.name, stronger: weak.name, expectedAccuracy: accStrong, accuracy: accWeak,
        samplesOnlyBrokenByWeaker: only,
        message: blackBox
          ? `possible gradient masking on ${strong.subset}: black-box ${weak.name} reaches robust accuracy ${pct(accWeak)}, below ${strong.name}'s ${pct(accStrong)} (${only} samples broken only by ${weak.name}); the gradient-based result overstates robustness`
          : `weak iterative attack or gradient masking on ${strong.subset}: single-step ${weak.name} reaches robust accuracy ${pct(accWeak)}, below ${strong.name}'s ${pct(accStrong)} (${only} samples broken only by ${weak.name}); ${strong.name} takes too few or too small steps (or starts badly), or its gradients are masked: its result overstates robustness`,
      });
    }
  }
  return out;
}

/**
 * Warns where robust accuracy rises with the budget (it cannot, for nested balls, unless the
 * attack fails to find what a smaller budget's attack found).
 *
 * @example
 * checkMonotoneInBudget('pgd', 'joint', [{ eps: 0.1, accuracy: 0.8 }, { eps: 0.2, accuracy: 0.85 }]);  // one warning
 */
export function checkMonotoneInBudget(attack: string, subset: string, points: readonly { eps: number; accuracy: number }[]): MaskingWarning[] {
  const sorted = [...points].sort((a, b) => a.eps - b.eps);
  const out: MaskingWarning[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [lo, hi] = [sorted[i - 1], sorted[i]];
    if (hi.accuracy > lo.accuracy) {
      out.push({
        kind: 'not-monotone-in-budget', subset, expectedStronger: `${attack}@${hi.eps}`, stronger: `${attack}@${lo.eps}`,
        expectedAccuracy: hi.accuracy, accuracy: lo.accuracy, samplesOnlyBrokenByWeaker: 0,
        message: `robust accuracy under ${attack} on ${subset} rises from ${pct(lo.accuracy)} at eps ${lo.eps} to ${pct(hi.accuracy)} at eps ${hi.eps}: the attack misses points a smaller budget found (too few steps, a bad step size, or masked gradients)`,
      });
    }
  }
  return out;
}
