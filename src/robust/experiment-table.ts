/**
 * The experiment's results table: cells of the grid {attack} x {Avg, VARMAT} x {seed} summarised per
 * (attack, method) as mean and spread over seeds, with the VARMAT - Avg difference paired by seed.
 * Pure functions (no files), so browsers and tests can use them.
 */

/** The outcome of one finished cell (one attack, one method, one seed). */
export interface ExperimentCell {
  method: string;
  attack: string;
  seed: number;
  /** Test accuracy of the selected (best validation robust accuracy) weights. */
  cleanAccuracy: number;
  /** Robust accuracy (paper definition) at the protocol's evaluation budget, per budget. */
  robust: { eps: number; robustAccuracy: number }[];
  /** Mean per-sample ||d CE_i / d z_m||_2 on the test samples, per modality. */
  vulnerability: Record<string, number>;
  /** Epoch (0-based) whose weights were tested. */
  epoch: number;
  /** Training wall time (s). */
  seconds: number;
}

/** Mean, sample standard deviation and count. */
export interface Stat { mean: number; sd: number; n: number }

/** One row of the summary: an (attack, method) pair over seeds. */
export interface ExperimentRow {
  attack: string;
  method: string;
  clean: Stat;
  /** Per evaluation budget. */
  robust: { eps: number; stat: Stat }[];
  vulnerability: Record<string, Stat>;
  seeds: number[];
}

/** VARMAT minus Avg for one attack, paired by seed. */
export interface ExperimentGain { attack: string; eps: number; robust: Stat; clean: Stat; pairs: number }

/**
 * Mean and sample standard deviation (0 for a single value).
 *
 * @example
 * stat([1, 2, 3]);   // { mean: 2, sd: 1, n: 3 }
 */
export function stat(xs: readonly number[]): Stat {
  const n = xs.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/**
 * Groups cells into rows (attacks in `attacks` order, then methods in `methods` order).
 *
 * @example
 * const rows = summarizeCells(cells, ['fgsm-rs'], ['avg', 'varmat']);
 */
export function summarizeCells(cells: readonly ExperimentCell[], attacks: readonly string[], methods: readonly string[]): ExperimentRow[] {
  const rows: ExperimentRow[] = [];
  for (const attack of attacks) {
    for (const method of methods) {
      const group = cells.filter((c) => c.attack === attack && c.method === method).sort((a, b) => a.seed - b.seed);
      if (group.length === 0) continue;
      const budgets = [...new Set(group.flatMap((c) => c.robust.map((r) => r.eps)))].sort((a, b) => a - b);
      const mods = [...new Set(group.flatMap((c) => Object.keys(c.vulnerability)))];
      rows.push({
        attack, method, seeds: group.map((c) => c.seed),
        clean: stat(group.map((c) => c.cleanAccuracy)),
        robust: budgets.map((eps) => ({ eps, stat: stat(group.flatMap((c) => c.robust.filter((r) => r.eps === eps).map((r) => r.robustAccuracy))) })),
        vulnerability: Object.fromEntries(mods.map((m) => [m, stat(group.filter((c) => m in c.vulnerability).map((c) => c.vulnerability[m]))])),
      });
    }
  }
  return rows;
}

/**
 * VARMAT - Avg per attack at budget `eps`, over the seeds both methods finished.
 *
 * @example
 * pairedGains(cells, ['fgsm-rs'], 0.2)[0].robust.mean;   // e.g. 0.031 (3.1 points)
 */
export function pairedGains(cells: readonly ExperimentCell[], attacks: readonly string[], eps: number): ExperimentGain[] {
  const out: ExperimentGain[] = [];
  const find = (attack: string, method: string, seed: number): ExperimentCell | undefined => cells.find((c) => c.attack === attack && c.method === method && c.seed === seed);
  const robustAt = (c: ExperimentCell): number | undefined => c.robust.find((r) => r.eps === eps)?.robustAccuracy;
  for (const attack of attacks) {
    const seeds = [...new Set(cells.filter((c) => c.attack === attack).map((c) => c.seed))].sort((a, b) => a - b);
    const dr: number[] = [];
    const dc: number[] = [];
    for (const seed of seeds) {
      const v = find(attack, 'varmat', seed);
      const a = find(attack, 'avg', seed);
      if (!v || !a || robustAt(v) === undefined || robustAt(a) === undefined) continue;
      dr.push(robustAt(v)! - robustAt(a)!);
      dc.push(v.cleanAccuracy - a.cleanAccuracy);
    }
    if (dr.length > 0) out.push({ attack, eps, robust: stat(dr), clean: stat(dc), pairs: dr.length });
  }
  return out;
}

const pp = (s: Stat): string => (s.n === 0 ? 'n/a' : s.n === 1 ? `${(100 * s.mean).toFixed(1)}` : `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}`);
const signed = (s: Stat): string => (s.n === 0 ? 'n/a' : `${s.mean >= 0 ? '+' : ''}${(100 * s.mean).toFixed(1)}${s.n > 1 ? ` ± ${(100 * s.sd).toFixed(1)}` : ''}`);
const sci = (s: Stat | undefined): string => (!s || s.n === 0 ? 'n/a' : s.mean.toExponential(2));

/**
 * The summary as Markdown: one row per (attack, method) with clean and robust accuracy in percent
 * (mean ± sample sd over seeds), the test vulnerability per modality, and the paired VARMAT - Avg gains.
 *
 * @example
 * console.log(experimentMarkdown(cells, { attacks: ['fgsm-rs'], methods: ['avg', 'varmat'], eps: 0.2 }));
 */
export function experimentMarkdown(cells: readonly ExperimentCell[], o: { attacks: readonly string[]; methods: readonly string[]; eps: number }): string {
  const rows = summarizeCells(cells, o.attacks, o.methods);
  const budgets = [...new Set(rows.flatMap((r) => r.robust.map((x) => x.eps)))].sort((a, b) => a - b);
  const mods = [...new Set(rows.flatMap((r) => Object.keys(r.vulnerability)))];
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  const head = ['attack', 'method', 'seeds', 'clean %', ...budgets.map((e) => `robust % @${e}${e === o.eps ? ' (paper)' : ''}`), ...mods.map((m) => `test V ${m}`)];
  const body = rows.map((r) => [r.attack, r.method, String(r.seeds.length), pp(r.clean), ...budgets.map((e) => { const x = r.robust.find((b) => b.eps === e); return x ? pp(x.stat) : 'n/a'; }), ...mods.map((m) => sci(r.vulnerability[m]))]);
  const gains = pairedGains(cells, o.attacks, o.eps);
  const gainHead = ['attack', 'pairs', `robust gain (points) @${o.eps}`, 'clean change (points)'];
  const gainBody = gains.map((g) => [g.attack, String(g.pairs), signed(g.robust), signed(g.clean)]);
  return [
    line(head), line(head.map(() => '---')), ...body.map(line), '',
    'VARMAT - Avg, paired by seed:', '',
    line(gainHead), line(gainHead.map(() => '---')), ...gainBody.map(line), '',
  ].join('\n');
}
