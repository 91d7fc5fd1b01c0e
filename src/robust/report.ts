/**
 * The VARMAT results report: from run logs (`log.json` of `trainRobust`) and optional robustness
 * curves, one JSON document, a Markdown table and a self-contained HTML page with inline SVG plots
 * (robust accuracy vs budget; per-modality vulnerability over epochs). No scripts, no external files.
 */

import type { RobustEpochRecord, RobustTrainResult } from './train-robust.js';

/** One run in the report. */
export interface ReportRun {
  /** Label (e.g. the run folder's name). */
  name: string;
  at: string;
  attack: string;
  modalities: string[];
  history: RobustEpochRecord[];
  best: RobustTrainResult['best'];
  test: RobustTrainResult['test'];
  /** Robust accuracy (paper definition) of the best weights per evaluation budget, if measured. */
  curve?: { eps: number; robustAccuracy: number }[];
  /** Training wall time in seconds (sum of epochs). */
  seconds: number;
}

/** The report as data. */
export interface RobustReport {
  title: string;
  definition: string;
  runs: ReportRun[];
  /** Markdown (paragraphs and tables) shown above the per-run table, e.g. an experiment's summary. */
  summary?: string;
  /** Plot one averaged series per method and training attack instead of one per run (large grids). */
  groupBy?: 'method-attack' | null;
}

const DEFINITION = 'robust accuracy (paper definition, VARMAT.md 5.6): the fraction of all samples whose clean AND attacked predictions are both correct; attack: joint latent L2 PGD, relative budget split 1/K';

/**
 * Builds the report object.
 *
 * @example
 * const rep = vm.robust.buildReport([{ name: 'varmat-rs', ...fromLog }], 'AV-MNIST synth');
 */
export function buildReport(runs: ReportRun[], title = 'VARMAT vs Avg', extra: { summary?: string; groupBy?: 'method-attack' | null } = {}): RobustReport {
  return { title, definition: DEFINITION, runs, ...extra };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The results table in Markdown (one row per run: test clean / robust accuracy, best validation
 * robust accuracy, last epoch's mean vulnerability per modality, time).
 *
 * @example
 * writeFileSync('results.md', vm.robust.reportMarkdown(rep));
 */
export function reportMarkdown(rep: RobustReport): string {
  const mods = [...new Set(rep.runs.flatMap((r) => r.modalities))];
  const head = ['run', 'AT', 'attack', 'test clean', 'test robust', 'best val robust (epoch)', ...mods.map((m) => `train V ${m}`), 'train time'];
  const rows = rep.runs.map((r) => {
    const last = r.history[r.history.length - 1];
    return [r.name, r.at, r.attack, pct(r.test?.cleanAccuracy), pct(r.test?.robustAccuracy),
      r.best ? `${pct(r.best.valRobustAccuracy)} (${r.best.epoch + 1})` : 'n/a',
      ...mods.map((m) => (last && last.vulnerability[m] !== undefined ? last.vulnerability[m].toExponential(3) : 'n/a')), `${r.seconds.toFixed(0)} s`];
  });
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [`# ${rep.title}`, '', line(head), line(head.map(() => '---')), ...rows.map(line), '', `_${rep.definition}. train V: mean over the last epoch of the probe, ||grad of the batch-mean CE w.r.t. z_m||_2._`, ''].join('\n');
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

/** A line chart as inline SVG. */
function lineChart(title: string, xLabel: string, yLabel: string, series: { name: string; points: [number, number][]; dash?: boolean }[]): string {
  const W = 700;
  const H = 300;
  const L = 60;
  const R = 230;
  const T = 30;
  const B = 45;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return `<p>${esc(title)}: no data</p>`;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(0, ...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const ticks = (a: number, b: number): number[] => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const fmt = (v: number): string => (Math.abs(v) >= 0.01 || v === 0 ? Number(v.toPrecision(3)).toString() : v.toExponential(1));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2 - R / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#000"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#000"/>`];
  for (const t of ticks(x0, x1)) parts.push(`<text x="${sx(t)}" y="${H - B + 14}" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<text x="${L - 4}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text><line x1="${L}" y1="${sy(t)}" x2="${W - R}" y2="${sy(t)}" stroke="#eee"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,3"' : ''}/>`);
    for (const p of s.points) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${c}"/>`);
    parts.push(`<line x1="${W - R + 10}" y1="${T + 14 * i}" x2="${W - R + 28}" y2="${T + 14 * i}" stroke="${c}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,3"' : ''}/><text x="${W - R + 32}" y="${T + 14 * i + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The self-contained HTML page (results table, robust accuracy vs budget, vulnerability over epochs,
 * validation accuracy over epochs).
 *
 * @example
 * writeFileSync('report.html', vm.robust.reportHtml(rep));
 */
export function reportHtml(rep: RobustReport): string {
  const mods = [...new Set(rep.runs.flatMap((r) => r.modalities))];
  const table = markdownToHtml(reportMarkdown(rep).split('\n').filter((l) => l.startsWith('|')).join('\n'));
  const runs = rep.groupBy === 'method-attack' ? averageRuns(rep.runs) : rep.runs;
  const curve = lineChart('Robust accuracy vs budget (best weights, test)', 'eps (relative latent L2, split 1/K)', 'robust accuracy',
    runs.filter((r) => r.curve && r.curve.length > 0).map((r) => ({ name: r.name, points: r.curve!.map((c) => [c.eps, c.robustAccuracy] as [number, number]) })));
  const vul = lineChart('Mean vulnerability per modality over training', 'epoch', 'mean V[b, m]',
    runs.flatMap((r) => mods.filter((m) => r.modalities.includes(m)).map((m, j) => ({ name: `${r.name} ${m}`, dash: j % 2 === 1, points: r.history.map((h) => [h.epoch + 1, h.vulnerability[m]] as [number, number]) }))));
  const val = lineChart('Validation accuracy over training', 'epoch', 'accuracy',
    runs.flatMap((r) => [
      { name: `${r.name} robust`, points: r.history.filter((h) => h.valRobustAccuracy !== null).map((h) => [h.epoch + 1, h.valRobustAccuracy!] as [number, number]) },
      { name: `${r.name} clean`, dash: true, points: r.history.filter((h) => h.valCleanAccuracy !== null).map((h) => [h.epoch + 1, h.valCleanAccuracy!] as [number, number]) },
    ]));
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(rep.title)}</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}</style></head><body>
<h1>${esc(rep.title)}</h1>${rep.summary ? markdownToHtml(rep.summary.split('\n').filter((l) => !l.startsWith('# ')).join('\n')) : ''}${table}<p><small>${esc(rep.definition)}.</small></p>
<div>${curve}</div><div>${vul}</div><div>${val}</div>
</body></html>
`;
}

/** Paragraphs and pipe tables of simple Markdown (what the reports write) as HTML. */
function markdownToHtml(md: string): string {
  const out: string[] = [];
  const blocks = md.split(/\n\s*\n/).map((b) => b.trim()).filter((b) => b.length > 0);
  for (const block of blocks) {
    const lines = block.split('\n');
    if (lines.every((l) => l.startsWith('|'))) {
      const rows = lines.filter((l) => !/^\|[\s|:-]+\|$/.test(l)).map((l) => l.slice(2, -2).split(' | '));
      out.push(`<table><tr>${rows[0].map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows.slice(1).map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`);
    } else {
      out.push(`<p>${esc(block).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`);
    }
  }
  return out.join('\n');
}

/** One run per (method, training attack): curves, histories and vulnerabilities averaged over seeds. */
function averageRuns(runs: readonly ReportRun[]): ReportRun[] {
  const groups = new Map<string, ReportRun[]>();
  for (const r of runs) {
    const key = `${r.at} ${r.attack}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...groups.entries()].map(([name, g]) => {
    const epochs = Math.min(...g.map((r) => r.history.length));
    const budgets = g[0].curve?.map((c) => c.eps) ?? [];
    const history = Array.from({ length: epochs }, (_, e): RobustEpochRecord => {
      const hs = g.map((r) => r.history[e]);
      const avg = (f: (h: RobustEpochRecord) => number | null): number | null => (hs.some((h) => f(h) === null) ? null : mean(hs.map((h) => f(h)!)));
      return {
        ...hs[0], trainLoss: avg((h) => h.trainLoss)!, trainCe: avg((h) => h.trainCe)!, trainPenalty: avg((h) => h.trainPenalty)!, trainAdvAccuracy: avg((h) => h.trainAdvAccuracy)!,
        vulnerability: Object.fromEntries(Object.keys(hs[0].vulnerability).map((m) => [m, mean(hs.map((h) => h.vulnerability[m]))])),
        valCleanAccuracy: avg((h) => h.valCleanAccuracy), valRobustAccuracy: avg((h) => h.valRobustAccuracy),
      };
    });
    return {
      ...g[0], name: `${name} (mean of ${g.length})`, history,
      curve: budgets.map((eps) => ({ eps, robustAccuracy: mean(g.map((r) => r.curve?.find((c) => c.eps === eps)?.robustAccuracy ?? NaN)) })),
    };
  });
}
