import type { RobustnessReport } from './evaluate-robustness.js';

const pct = (x: number | null): string => (x === null || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(2)}%`);

/**
 * A plain-text table of a robustness report: one row per attack and subset, with robust accuracy
 * (paper definition), adversarial accuracy and attack success rate (with its denominator), then
 * the warnings.
 *
 * @example
 * console.log(formatRobustnessReport(report));
 */
export function formatRobustnessReport(report: RobustnessReport): string {
  const rows: string[][] = [['attack', 'subset', 'robust acc (paper)', 'adv acc', 'success rate', 'seconds']];
  for (const r of [...report.results, ...(report.worstCase ?? [])]) {
    rows.push([r.attack, r.subset, pct(r.robustAccuracy), pct(r.adversarialAccuracy), `${pct(r.attackSuccessRate)} (${r.successes}/${r.successDenominator})`, r.seconds.toFixed(1)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd();
  const out = [
    `${report.samples} samples, clean accuracy ${pct(report.clean.accuracy)} (${report.clean.correct}/${report.samples})`,
    line(rows[0]),
    ...rows.slice(1).map(line),
    'robust acc: clean and adversarial predictions both right, over all samples (the paper\'s definition);',
    'success rate: adversarial prediction wrong among the clean-correct samples (denominator shown).',
  ];
  for (const w of report.warnings) out.push(`warning: ${w.message}`);
  return out.join('\n');
}
