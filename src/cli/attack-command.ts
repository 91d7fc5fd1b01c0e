/**
 * `varmat attack --checkpoint runs/NAME/best --attack pgd --space latent --eps 0.2 --steps 10 [--out result.json]`:
 * robustness of a checkpoint written by `varmat train` under one or more attacks, per modality
 * subset, optionally versus the budget, with gradient-masking checks; prints a table and writes the
 * JSON result atomically.
 */

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { VarmatError } from '../errors.js';
import { readCheckpoint, type JsonValue } from '../checkpoint/checkpoint.js';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { loadDataset, type LoadDatasetOptions } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { buildModel, type ModelSpec } from '../train/model-factory.js';
import { selectModalities } from '../train/select-modalities.js';
import { ATTACK_NAMES, createAttack, type AnyAttackOptions } from '../attacks/registry.js';
import { randomNoise } from '../attacks/random-noise.js';
import { randomSearch } from '../attacks/random-search.js';
import type { Attack } from '../attacks/attack.js';
import type { ValueRange } from '../attacks/threat-model.js';
import { evaluateRobustness, type RobustnessReport, type SubsetSpec } from '../eval/evaluate-robustness.js';
import { robustnessCurve, type CurvePoint } from '../eval/robustness-curve.js';
import { formatRobustnessReport } from '../eval/format-report.js';
import type { MaskingWarning } from '../eval/gradient-masking.js';
import { initBackend } from './train-command.js';
import type * as vm from '../index.js';

const USAGE = `usage: varmat attack --checkpoint FILE.safetensors|RUN_DIR|RUN_DIR/best [options]
  --attack NAME[,NAME...]   ${ATTACK_NAMES.join(', ')} (default pgd)
  --space latent|input      where perturbations live (default latent: the encoder outputs, as the paper)
  --norm l2|linf            default l2
  --eps X                   budget (default 0.2, the paper's evaluation)
  --eps-list X,Y,...        robust accuracy versus budget, one pass (first attack only)
  --relative | --absolute   budgets relative to each sample's norm (default: relative in latent space)
  --budget-split equal|each eps / K per modality (default with relative budgets) or eps each
  --range LO,HI             valid input values (input space; default 0,1 for AV-MNIST datasets)
  --modalities A,B          attack only these modalities
  --subsets joint|each|each+joint   modality subsets to report (default each+joint)
  --steps N --step-size X --restarts N --no-random-start --loss ce|dlr --seed S
  --trials N (random-noise) --queries N (random-search)
  --masking-check           also run random-noise and random-search with the same budget and warn
                            when they beat a gradient attack
  --split test|val|train    dataset split (default test)
  --limit N                 first N samples of the split
  --batch-size B            default 100
  --backend NAME            wasm (default), reference, webgpu, auto
  --data NAME               override the dataset recorded in the checkpoint
  --train N --val N --test N   override split sizes
  --out FILE.json           write the result as JSON (atomically)`;

function bad(flag: string, expected: string, received: string | undefined): never {
  throw new VarmatError('OPTION', 'varmat attack', `argument '${flag}' expected ${expected}, received ${received === undefined ? 'nothing' : `'${received}'`}`);
}

/** `runs/a` -> `runs/a/best.safetensors`; `runs/a/last` -> `runs/a/last.safetensors`. */
function checkpointFile(path: string): string {
  if (path.endsWith('.safetensors')) return path;
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, 'best.safetensors');
  return `${path}.safetensors`;
}

/** Parsed `varmat attack` arguments. */
export interface AttackArgs {
  checkpoint: string;
  attacks: string[];
  attackOptions: AnyAttackOptions;
  epsList: number[] | null;
  subsets: SubsetSpec;
  maskingCheck: boolean;
  split: 'test' | 'val' | 'train';
  limit: number | null;
  batchSize: number;
  backend: 'auto' | vm.BackendName;
  data: string | null;
  sizes: { train?: number; val?: number; test?: number };
  out: string | null;
  rangeGiven: boolean;
}

function numberList(flag: string, v: string): number[] {
  const xs = v.split(',').map(Number);
  if (xs.length === 0 || !xs.every((x) => Number.isFinite(x) && x >= 0)) bad(flag, 'comma-separated numbers >= 0', v);
  return xs;
}

/**
 * Parses `varmat attack` arguments (exported for tests).
 *
 * @example
 * parseAttackArgs(['--checkpoint', 'runs/a', '--attack', 'pgd', '--eps', '0.2']).attackOptions.eps;   // 0.2
 */
export function parseAttackArgs(args: string[]): AttackArgs {
  const o: AttackArgs = {
    checkpoint: '', attacks: ['pgd'], attackOptions: { space: 'latent', norm: 'l2', eps: 0.2 }, epsList: null, subsets: 'each+joint',
    maskingCheck: false, split: 'test', limit: null, batchSize: 100, backend: 'wasm', data: null, sizes: {}, out: null, rangeGiven: false,
  };
  const a = o.attackOptions as unknown as Record<string, unknown>;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) bad(flag, 'a value', v);
      return v;
    };
    const num = (min: number, integer = false): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) bad(flag, `${integer ? 'an integer' : 'a number'} >= ${min}`, v);
      return n;
    };
    switch (flag) {
      case '--checkpoint': o.checkpoint = value(); break;
      case '--attack': {
        const v = value();
        const names = v.split(',');
        for (const n of names) if (!(ATTACK_NAMES as readonly string[]).includes(n)) bad(flag, `names among ${ATTACK_NAMES.join(', ')}`, n);
        o.attacks = names;
        break;
      }
      case '--space': { const v = value(); if (v !== 'latent' && v !== 'input') bad(flag, "'latent' or 'input'", v); a.space = v; break; }
      case '--norm': { const v = value(); if (v !== 'l2' && v !== 'linf') bad(flag, "'l2' or 'linf'", v); a.norm = v; break; }
      case '--eps': a.eps = num(0); break;
      case '--eps-list': o.epsList = numberList(flag, value()); break;
      case '--relative': a.relative = true; break;
      case '--absolute': a.relative = false; break;
      case '--budget-split': { const v = value(); if (v !== 'equal' && v !== 'each') bad(flag, "'equal' or 'each'", v); a.split = v; break; }
      case '--range': {
        const v = value();
        const r = v.split(',').map(Number);
        if (r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) bad(flag, 'LO,HI with LO < HI', v);
        a.ranges = [r[0], r[1]] as ValueRange;
        o.rangeGiven = true;
        break;
      }
      case '--modalities': a.modalities = value().split(','); break;
      case '--subsets': {
        const v = value();
        if (v !== 'joint' && v !== 'each' && v !== 'each+joint') bad(flag, "'joint', 'each' or 'each+joint'", v);
        o.subsets = v;
        break;
      }
      case '--steps': a.steps = num(0, true); break;
      case '--step-size': a.stepSize = num(0); break;
      case '--restarts': a.restarts = num(1, true); break;
      case '--no-random-start': a.randomStart = false; break;
      case '--loss': { const v = value(); if (v !== 'ce' && v !== 'dlr') bad(flag, "'ce' or 'dlr'", v); a.loss = v; break; }
      case '--seed': a.seed = num(0, true); break;
      case '--trials': a.trials = num(1, true); break;
      case '--queries': a.queries = num(1, true); break;
      case '--masking-check': o.maskingCheck = true; break;
      case '--split': {
        const v = value();
        if (v !== 'test' && v !== 'val' && v !== 'train') bad(flag, "'test', 'val' or 'train'", v);
        o.split = v;
        break;
      }
      case '--limit': o.limit = num(1, true); break;
      case '--batch-size': o.batchSize = num(1, true); break;
      case '--backend': {
        const v = value();
        if (!['auto', 'wasm', 'reference', 'webgpu'].includes(v)) bad(flag, "'wasm', 'reference', 'webgpu' or 'auto'", v);
        o.backend = v as AttackArgs['backend'];
        break;
      }
      case '--data': o.data = value(); break;
      case '--train': case '--val': case '--test': o.sizes[flag.slice(2) as 'train'] = num(0, true); break;
      case '--out': o.out = value(); break;
      default: bad('options', `one of the options below\n${USAGE}\n`, flag);
    }
  }
  if (!o.checkpoint) bad('--checkpoint', 'a .safetensors file written by varmat train', undefined);
  if (a.space !== 'input' && a.ranges !== undefined) bad('--range', "--space input (latents have no valid range)", String(a.ranges));
  return o;
}

/** What `varmat attack --out` writes. */
export interface AttackCommandResult {
  command: string;
  checkpoint: string;
  dataset: string;
  split: string;
  backend: string;
  model: string;
  report: RobustnessReport;
  curve: { attack: string; points: CurvePoint[]; warnings: MaskingWarning[] } | null;
  createdAt: string;
}

/**
 * Runs `varmat attack`; returns the exit code.
 *
 * @example
 * await attackCommand(['--checkpoint', 'runs/a', '--attack', 'pgd,apgd', '--eps', '0.2', '--limit', '500', '--out', 'runs/a/attack.json']);
 */
export async function attackCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const o = parseAttackArgs(args);
  const checkpoint = checkpointFile(o.checkpoint);
  const backendDescription = await initBackend(o.backend);
  console.log(`backend: ${backendDescription}`);
  const ckpt = await readCheckpoint(checkpoint);
  const info = ckpt.info as { model?: ModelSpec; data?: { name: string; options: LoadDatasetOptions; modalities?: string[] | null } } | null;
  if (!info?.model || !info.data) {
    throw new VarmatError('VALUE', 'varmat attack', `'${checkpoint}' has no model/data description in its sidecar (was it written by varmat train?)`);
  }
  const dataName = o.data ?? info.data.name;
  const sizes = Object.keys(o.sizes).length ? { sizes: { ...info.data.options.sizes, ...o.sizes } } : {};
  const loaded = await loadDataset(dataName, { ...info.data.options, ...sizes });
  const keep = info.data.modalities ?? null;
  const dataset: Dataset = keep ? selectModalities(loaded[o.split], keep) : loaded[o.split];
  const options: AnyAttackOptions = { ...o.attackOptions };
  if (options.space === 'input' && !o.rangeGiven && dataName.startsWith('avmnist')) options.ranges = [0, 1];
  const model = buildModel(info.model);
  try {
    model.loadStateDict(ckpt.weights);
    model.eval();
    const attacks: Record<string, Attack> = {};
    for (const name of o.attacks) attacks[name] = createAttack(name, options);
    if (o.maskingCheck) {
      const threat = { ...attacks[o.attacks[0]].threat.options, ...(options.seed !== undefined ? { seed: options.seed } : {}) };
      attacks['random-noise'] ??= randomNoise({ ...threat, trials: options.trials ?? 20 });
      attacks['random-search'] ??= randomSearch({ ...threat, queries: options.queries ?? 100 });
    }
    const common = { subsets: o.subsets, batchSize: o.batchSize, ...(o.limit !== null ? { limit: o.limit } : {}) };
    let report: RobustnessReport;
    let curve: AttackCommandResult['curve'] = null;
    if (o.epsList) {
      const first = attacks[o.attacks[0]];
      const c = await robustnessCurve(model, dataset, first, { eps: o.epsList, ...common });
      report = c.report;
      curve = { attack: c.attack, points: c.points, warnings: c.warnings };
    } else {
      report = await evaluateRobustness(model, dataset, { attacks, ...common, onBatch: (n) => process.stderr.write(`\r${n} samples`) });
      process.stderr.write('\n');
    }
    console.log(`${dataName} ${o.split}, ${info.model.kind} (${checkpoint})`);
    console.log(formatRobustnessReport(report));
    if (curve) {
      for (const p of curve.points) console.log(`eps ${p.eps} ${p.subset}: robust accuracy ${(100 * p.robustAccuracy).toFixed(2)}%`);
      for (const w of curve.warnings.filter((x) => x.kind === 'not-monotone-in-budget')) console.log(`warning: ${w.message}`);
    }
    if (o.out) {
      const result: AttackCommandResult = {
        command: ['varmat', 'attack', ...args].join(' '),
        checkpoint, dataset: dataName, split: o.split, backend: backendDescription, model: info.model.kind,
        report, curve, createdAt: new Date().toISOString(),
      };
      await mkdir(dirname(o.out), { recursive: true });
      await writeFileAtomic(o.out, new TextEncoder().encode(`${JSON.stringify(result as unknown as JsonValue, null, 1)}\n`));
      console.log(`wrote ${o.out}`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}
