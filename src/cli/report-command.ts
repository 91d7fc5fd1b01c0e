/**
 * `varmat report RUN... --out DIR`: reads the run folders of `varmat train --at ...` (their
 * `log.json`), optionally measures robust accuracy versus budget on each run's best weights, and
 * writes DIR/report.html (self-contained, inline SVG), DIR/report.json and DIR/report.md.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { VarmatError } from '../errors.js';
import * as vm from '../index.js';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { readCheckpoint } from '../checkpoint/checkpoint.js';
import { loadDataset, type LoadDatasetOptions } from '../data/registry.js';
import { buildModel, type ModelSpec } from '../train/model-factory.js';
import { selectModalities } from '../train/select-modalities.js';
import { robustValidation, type RobustEpochRecord, type RobustTrainResult } from '../robust/train-robust.js';
import { buildReport, reportHtml, reportMarkdown, type ReportRun } from '../robust/report.js';

const USAGE = `usage: varmat report RUN_DIR... [--out DIR] [options]
  --out DIR            where report.html, report.json, report.md go (default: report)
  --budgets LIST       robust accuracy vs budget on each run's best weights, e.g. 0.05,0.1,0.2,0.4 (default)
  --no-curves          skip the curves (only the logs are read)
  --limit N            test samples for the curves (default 500)
  --steps N            PGD steps of the curves (default 10)
  --backend NAME       wasm (default), reference, auto
  --title TEXT`;

/** Parsed options of `varmat report`. */
export interface ReportArgs {
  runs: string[];
  out: string;
  budgets: number[] | null;
  limit: number;
  steps: number;
  backend: 'auto' | vm.BackendName;
  title: string;
}

function bad(flag: string, expected: string, received: string | undefined): never {
  throw new VarmatError('OPTION', 'varmat report', `argument '${flag}' expected ${expected}, received ${received === undefined ? 'nothing' : `'${received}'`}`);
}

/**
 * Parses `varmat report` arguments.
 *
 * @example
 * parseReportArgs(['runs/a', 'runs/b', '--no-curves']).budgets;   // null
 */
export function parseReportArgs(args: readonly string[]): ReportArgs {
  const out: ReportArgs = { runs: [], out: 'report', budgets: [0.05, 0.1, 0.2, 0.4], limit: 500, steps: 10, backend: 'wasm', title: 'VARMAT vs Avg' };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) bad(flag, 'a value', v);
      return v;
    };
    switch (flag) {
      case '--out': out.out = value(); break;
      case '--budgets': {
        const v = value();
        const b = v.split(',').map(Number);
        if (b.length === 0 || b.some((x) => !Number.isFinite(x) || x < 0)) bad(flag, 'comma-separated numbers >= 0', v);
        out.budgets = b;
        break;
      }
      case '--no-curves': out.budgets = null; break;
      case '--limit': case '--steps': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) bad(flag, 'an integer >= 1', v);
        if (flag === '--limit') out.limit = n; else out.steps = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (!['auto', 'wasm', 'reference', 'webgpu'].includes(v)) bad(flag, "'wasm', 'reference', 'webgpu' or 'auto'", v);
        out.backend = v as ReportArgs['backend'];
        break;
      }
      case '--title': out.title = value(); break;
      default:
        if (flag.startsWith('--')) bad('options', `one of the options below\n${USAGE}\n`, flag);
        out.runs.push(flag);
    }
  }
  if (out.runs.length === 0) bad('RUN_DIR', 'at least one run folder', undefined);
  return out;
}

interface RunLog {
  run: { at: string; attack: string; modalities?: string[] };
  epochs: RobustEpochRecord[];
  best: RobustTrainResult['best'];
  test?: RobustTrainResult['test'];
}

/**
 * Reads one run folder into a report entry (without curves).
 *
 * @example
 * const run = await readRun('runs/varmat-rs');
 */
export async function readRun(dir: string): Promise<ReportRun> {
  const path = join(dir, 'log.json');
  if (!existsSync(path)) throw new VarmatError('IO', 'varmat report', `'${path}' does not exist: is '${dir}' a 'varmat train --at' run folder?`);
  const log = JSON.parse(await readFile(path, 'utf8')) as RunLog;
  if (!log.run || !Array.isArray(log.epochs) || typeof log.run.at !== 'string') throw new VarmatError('CORRUPT', 'varmat report', `'${path}' is not the log of a 'varmat train --at' run`);
  const modalities = log.run.modalities ?? Object.keys(log.epochs[0]?.vulnerability ?? {});
  return {
    name: basename(dir.replace(/\/+$/, '')), at: log.run.at, attack: log.run.attack, modalities, history: log.epochs, best: log.best, test: log.test ?? null,
    seconds: log.epochs.reduce((s, e) => s + e.seconds, 0),
  };
}

/**
 * Runs `varmat report`; returns the exit code.
 *
 * @example
 * await reportCommand(['runs/varmat', 'runs/avg', '--out', 'runs/report']);
 */
export async function reportCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const a = parseReportArgs(args);
  const runs: ReportRun[] = [];
  for (const dir of a.runs) runs.push(await readRun(dir));
  if (a.budgets) {
    console.log(`backend: ${await vm.init({ backend: a.backend })}`);
    for (let i = 0; i < runs.length; i++) {
      const best = join(a.runs[i], 'best.safetensors');
      if (!existsSync(best)) {
        console.log(`${runs[i].name}: no best.safetensors, no curve`);
        continue;
      }
      const ckpt = await readCheckpoint(best);
      const info = ckpt.info as unknown as { model: ModelSpec; data: { name: string; options: LoadDatasetOptions; modalities: string[] | null } };
      const model = buildModel(info.model);
      try {
        model.loadStateDict(ckpt.weights);
        const ds = await loadDataset(info.data.name, info.data.options);
        const test = info.data.modalities ? selectModalities(ds.test, info.data.modalities) : ds.test;
        runs[i].curve = [];
        for (const eps of a.budgets) {
          const r = await robustValidation(model, test, { eps, steps: a.steps, seed: 7, limit: a.limit });
          runs[i].curve!.push({ eps, robustAccuracy: r.robustAccuracy });
          console.log(`${runs[i].name}: eps ${eps} robust ${(100 * r.robustAccuracy).toFixed(2)}% (${r.samples} test samples)`);
        }
      } finally {
        model.dispose();
      }
    }
  }
  const rep = buildReport(runs, a.title);
  await mkdir(a.out, { recursive: true });
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  await writeFileAtomic(join(a.out, 'report.json'), enc(`${JSON.stringify(rep, null, 1)}\n`));
  await writeFileAtomic(join(a.out, 'report.md'), enc(reportMarkdown(rep)));
  await writeFileAtomic(join(a.out, 'report.html'), enc(reportHtml(rep)));
  console.log(reportMarkdown(rep));
  console.log(`wrote ${a.out}/report.html, report.json, report.md`);
  return 0;
}
