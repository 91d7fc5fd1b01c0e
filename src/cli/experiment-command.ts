/**
 * `varmat experiment DATA`: the VARMAT-versus-Avg grid (src/robust/experiment.ts) with a protocol
 * sized for a 2-core machine. `avmnist` runs the issue's grid (4 fast-AT attacks x {Avg, VARMAT} x
 * 3 seeds, real spoken digits); `avmnist-synth` a one-seed FGSM-RS comparison of a few minutes
 * (the README's main job). Finished stages are skipped and interrupted ones resumed: run the same
 * command again to continue.
 */

import * as vm from '../index.js';
import { loadDataset } from '../data/registry.js';
import { modelSpecFor } from '../train/model-factory.js';
import { formatDuration } from '../train/progress.js';
import { EXPERIMENT_ATTACKS, describeProtocol, runExperiment, type ExperimentAttack, type ExperimentProtocol } from '../robust/experiment.js';
import { experimentMarkdown } from '../robust/experiment-table.js';
import type { AtMethod } from '../robust/robust-step.js';
import { initBackend } from './train-command.js';
import { flagReader } from './flag-reader.js';
import { badOption } from './option-error.js';
import { progressPrinter } from './progress-printer.js';
import { abortOnSigint } from './sigint-abort.js';

/** The default protocol of each dataset (the flags override any field). */
export const EXPERIMENT_PRESETS: Record<'avmnist' | 'avmnist-synth', ExperimentProtocol> = {
  // About an hour of one core (wasm): one clean model (~5 min) and 24 fine-tuning cells (~2-2.5 min each).
  // Four fine-tuning epochs so that the EP/MEP/PCO priors (used from the second epoch on) act for
  // three of them: with two, selection often keeps epoch-1 weights, where EP and MEP equal RS.
  avmnist: {
    data: 'avmnist', model: 'perceiver', seeds: [0, 1, 2], attacks: [...EXPERIMENT_ATTACKS], methods: ['avg', 'varmat'],
    cleanTrainSize: 20000, cleanEpochs: 3, sharedClean: true, trainSize: 1500, epochs: 4, valSize: 300, testSize: 1000, batchSize: 40,
    lr: 8e-4, weightDecay: 1e-3, eps: 0.01, alpha: 1000, evalEps: 0.2, evalSteps: 10, extraEps: [],
  },
  // About 3 minutes on an idle 2-core machine: the README's main job.
  'avmnist-synth': {
    data: 'avmnist-synth', model: 'perceiver', seeds: [0], attacks: ['fgsm-rs'], methods: ['avg', 'varmat'],
    cleanTrainSize: 3000, cleanEpochs: 3, sharedClean: false, trainSize: 1000, epochs: 2, valSize: 200, testSize: 500, batchSize: 40,
    lr: 8e-4, weightDecay: 1e-3, eps: 0.01, alpha: 1000, evalEps: 0.2, evalSteps: 10, extraEps: [0.05],
  },
};

const USAGE = `usage: varmat experiment avmnist|avmnist-synth [options]
  Clean pre-training per seed, then adversarial fine-tuning of each cell {attack} x {avg, varmat} x {seed}
  from it; model selection by validation robust accuracy (PGD-10, eps 0.2); one test of the selected weights.
  Run the same command again to continue an interrupted grid (finished cells are skipped).
  --runs DIR               run folders (default runs/experiment-DATA)
  --results DIR            results.json, results.md, report.html (default: DIR of --runs + /results)
  --seeds LIST             e.g. 0,1,2          --attacks LIST   of ${EXPERIMENT_ATTACKS.join(', ')}
  --methods LIST           of avg, varmat      --model perceiver|cnn
  --clean-train N --clean-epochs N   clean pre-training      --train N --epochs N   fine-tuning
  --shared-clean | --clean-per-seed  one clean model (first seed) for all cells, or one per seed
  --val N --test N         first N validation / test samples
  --eps X --alpha X        training budget (relative, split 1/K) and VARMAT weight (default 0.01, 1000)
  --eval-eps X --eval-steps N --extra-eps LIST   test PGD budget (paper 0.2), steps, extra budgets
  --backend NAME           wasm (default), reference, auto ; --threads N   WebAssembly worker threads (default 1)
  --title TEXT`;

/** Parsed options of `varmat experiment`. */
export interface ExperimentArgs {
  protocol: ExperimentProtocol;
  runs: string;
  results: string;
  backend: 'auto' | vm.BackendName;
  /** WebAssembly threads (null: the default). */
  threads: number | null;
  title: string | null;
}

function bad(flag: string, expected: string, received: string | undefined): never {
  return badOption('varmat experiment', flag, expected, received);
}

function list<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').filter((s) => s.length > 0);
  for (const x of items) if (!(allowed as readonly string[]).includes(x)) bad(flag, `a comma-separated list of ${allowed.join(', ')}`, text);
  if (items.length === 0) bad(flag, 'a non-empty list', text);
  return items as T[];
}

function numbers(flag: string, text: string, integers: boolean): number[] {
  const xs = text.split(',').filter((s) => s.length > 0).map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < 0 || (integers && !Number.isInteger(x)))) bad(flag, `comma-separated ${integers ? 'integers' : 'numbers'} >= 0`, text);
  return xs;
}

/**
 * Parses the arguments (exported for tests).
 *
 * @example
 * parseExperimentArgs(['avmnist', '--seeds', '0,1']).protocol.seeds;   // [0, 1]
 */
export function parseExperimentArgs(args: readonly string[]): ExperimentArgs {
  const data = args[0];
  if (data !== 'avmnist' && data !== 'avmnist-synth') bad('DATA', "'avmnist' or 'avmnist-synth'", data);
  const p: ExperimentProtocol = { ...EXPERIMENT_PRESETS[data] };
  let runs: string | null = null;
  let results: string | null = null;
  let backend: ExperimentArgs['backend'] = 'wasm';
  let threads: number | null = null;
  let title: string | null = null;
  for (const cursor = { i: 1 }; cursor.i < args.length; cursor.i++) {
    const flag = args[cursor.i];
    const { value, int, num } = flagReader(args, cursor, flag, bad);
    switch (flag) {
      case '--runs': runs = value(); break;
      case '--results': results = value(); break;
      case '--seeds': p.seeds = numbers(flag, value(), true); break;
      case '--attacks': p.attacks = list<ExperimentAttack>(flag, value(), EXPERIMENT_ATTACKS); break;
      case '--methods': p.methods = list<AtMethod>(flag, value(), ['avg', 'varmat']); break;
      case '--model': p.model = list(flag, value(), ['perceiver', 'cnn'] as const)[0]; break;
      case '--clean-train': p.cleanTrainSize = int(1); break;
      case '--clean-epochs': p.cleanEpochs = int(1); break;
      case '--shared-clean': p.sharedClean = true; break;
      case '--clean-per-seed': p.sharedClean = false; break;
      case '--train': p.trainSize = int(1); break;
      case '--epochs': p.epochs = int(1); break;
      case '--val': p.valSize = int(1); break;
      case '--test': p.testSize = int(1); break;
      case '--batch-size': p.batchSize = int(1); break;
      case '--eps': p.eps = num(); break;
      case '--alpha': p.alpha = num(); break;
      case '--eval-eps': p.evalEps = num(); break;
      case '--eval-steps': p.evalSteps = int(1); break;
      case '--extra-eps': p.extraEps = numbers(flag, value(), false); break;
      case '--backend': backend = list(flag, value(), ['auto', 'wasm', 'reference', 'webgpu'] as const)[0]; break;
      case '--threads': threads = int(1); break;
      case '--title': title = value(); break;
      default: bad('options', `one of the options below\n${USAGE}\n`, flag);
    }
  }
  p.extraEps = p.extraEps.filter((e) => e !== p.evalEps);
  const runsDir = runs ?? `runs/experiment-${data}`;
  return { protocol: p, runs: runsDir, results: results ?? `${runsDir}/results`, backend, threads, title };
}

/**
 * Runs `varmat experiment ...`; returns the exit code (0 complete, 130 interrupted after saving).
 *
 * @example
 * await experimentCommand(['avmnist-synth']);
 */
export async function experimentCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h') || args.length === 0) {
    console.log(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const a = parseExperimentArgs(args);
  const p = a.protocol;
  const started = performance.now();
  const since = (): string => formatDuration((performance.now() - started) / 1000);
  console.log(`backend: ${await initBackend(a.backend, a.threads)}`);
  console.log(describeProtocol(p));
  const loaded = await loadDataset(p.data, { sizes: { train: Math.max(p.trainSize, p.cleanTrainSize), val: p.valSize, test: p.testSize } });
  console.log(`data: ${p.data}, train ${loaded.train.size}, val ${loaded.val.size}, test ${loaded.test.size} (${since()})`);
  const stop = abortOnSigint('\ninterrupt: finishing this step and saving; run the same command again to continue\n');
  const printer = progressPrinter();
  try {
    const r = await runExperiment({
      protocol: p, data: loaded, modelSpec: modelSpecFor(p.model, loaded.train), runsDir: a.runs, resultsDir: a.results,
      ...(a.title ? { title: a.title } : {}), signal: stop.signal, progressSeconds: printer.progressSeconds, onProgress: printer.onProgress,
      onStage: (e) => {
        printer.endEpoch();
        const verb = { start: 'training', resume: 'resuming', skip: 'finished already:', done: 'done' }[e.status];
        console.log(`[${since()}] ${verb} ${e.stage}${e.detail ? `: ${e.detail}` : ''}`);
      },
      onCleanEpoch: (stage, rec) => {
        printer.endEpoch();
        console.log(`  ${stage} epoch ${rec.epoch + 1}: train loss ${rec.trainLoss.toFixed(3)} acc ${(100 * rec.trainAccuracy).toFixed(1)}%; val acc ${(100 * rec.valAccuracy!).toFixed(1)}%`);
      },
      onEpoch: (stage, rec) => {
        printer.endEpoch();
        const v = Object.entries(rec.vulnerability).map(([m, x]) => `${m} ${x.toExponential(2)}`).join(', ');
        console.log(`  ${stage} epoch ${rec.epoch + 1}: ce ${rec.trainCe.toFixed(3)} penalty ${rec.trainPenalty.toFixed(3)}; val clean ${(100 * rec.valCleanAccuracy!).toFixed(1)}% robust ${(100 * rec.valRobustAccuracy!).toFixed(1)}%; V ${v}`);
      },
    });
    console.log(`\n${experimentMarkdown(r.cells, { attacks: p.attacks, methods: p.methods, eps: p.evalEps })}`);
    console.log(`${r.cells.length} cells finished, ${r.remaining} to go; ${since()}. Report: ${a.results}/report.html (and results.md, results.json)`);
    if (r.interrupted) {
      console.log('interrupted: run the same command again to continue.');
      return 130;
    }
    return 0;
  } finally {
    stop.dispose();
  }
}
