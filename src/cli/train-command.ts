/**
 * `varmat train`: clean training of the paper's Perceiver or the CNN late-fusion baseline.
 *
 *   varmat train --data avmnist-synth --model perceiver|cnn --epochs N --batch-size B --seed S --out runs/NAME
 *
 * See USAGE below for every option. Ctrl-C stops after the current step and saves
 * `<out>/last.safetensors`; `--resume` continues exactly where it stopped.
 */

import * as vm from '../index.js';
import { DATASET_NAMES, type LoadDatasetOptions } from '../data/registry.js';
import type { JsonValue } from '../checkpoint/checkpoint.js';
import { constantLr, cosineLr, stepLr, type LrSchedule } from '../optim/lr-schedule.js';
import { buildModel, modelSpecFor, type ModelKind } from '../train/model-factory.js';
import { formatDuration } from '../train/progress.js';
import { trainClassifier, type OptimizerSpec } from '../train/train-classifier.js';
import { flagReader } from './flag-reader.js';
import { loadTrainData } from './load-train-data.js';
import { badOption } from './option-error.js';
import { progressPrinter } from './progress-printer.js';
import { abortOnSigint } from './sigint-abort.js';

const USAGE = `usage: varmat train --data NAME --out DIR [options]
  --data NAME              ${DATASET_NAMES.join(', ')}
  --out DIR                run folder: last/best checkpoints (safetensors + JSON sidecar), log.json
  --model perceiver|cnn    the paper's Perceiver (default) or the CNN late-fusion baseline
  --epochs N               default 10
  --batch-size B           default 40 (the paper's AV-MNIST batch)
  --seed S                 weights and shuffling (default 0)
  --backend NAME           wasm (default), reference, webgpu, auto
  --threads N              WebAssembly worker threads (default 1; pays with N free cores)
  --optimizer adam|adamw|sgd   default adam (the paper: lr 8e-4, coupled weight decay 1e-3)
  --lr X --weight-decay X --momentum X
  --schedule constant|cosine|step   default constant; --step-size N --gamma X for step
  --clip-norm X            clip gradients to this global L2 norm
  --resume                 continue the run in --out exactly where it stopped
  --modalities A,B         train on these modalities only (single-modality baselines; CNN for one)
  data (as 'varmat data info'):
  --train N --val N --test N   first N samples of each split (AV-MNIST; default 55000/5000/10000)
  --spec-size S --data-seed N --snr LO,HI|none --pca FRACTION --fsdd DIR --synth DIR --mnist DIR --dir DIR --no-cache`;

/** Parsed command-line options of `varmat train`. */
export interface TrainArgs {
  data: string;
  out: string;
  model: ModelKind;
  epochs: number;
  batchSize: number;
  seed: number;
  backend: 'auto' | vm.BackendName;
  /** WebAssembly threads (null: the default). */
  threads: number | null;
  optimizer: OptimizerSpec;
  schedule: { kind: 'constant' | 'cosine' | 'step'; stepSize?: number; gamma?: number };
  clipNorm: number | null;
  resume: boolean;
  /** Modalities to keep (null: all). */
  modalities: string[] | null;
  dataOptions: LoadDatasetOptions;
}

function bad(flag: string, expected: string, received: string | undefined): never {
  return badOption('varmat train', flag, expected, received);
}

/** Parses `varmat train` arguments (exported for tests and for `varmat eval`'s shared data flags). */
export function parseTrainArgs(args: readonly string[]): TrainArgs {
  const out: Partial<TrainArgs> & { dataOptions: LoadDatasetOptions } = { dataOptions: {} };
  const sizes: { train?: number; val?: number; test?: number } = {};
  let lr: number | undefined;
  let weightDecay: number | undefined;
  let momentum: number | undefined;
  let optimizerKind: OptimizerSpec['kind'] = 'adam';
  const schedule: TrainArgs['schedule'] = { kind: 'constant' };
  for (const cursor = { i: 0 }; cursor.i < args.length; cursor.i++) {
    const flag = args[cursor.i];
    const { value, int, num } = flagReader(args, cursor, flag, bad);
    switch (flag) {
      case '--data': out.data = value(); break;
      case '--out': out.out = value(); break;
      case '--model': {
        const v = value();
        if (v !== 'perceiver' && v !== 'cnn') bad(flag, "'perceiver' or 'cnn'", v);
        out.model = v;
        break;
      }
      case '--epochs': out.epochs = int(1); break;
      case '--batch-size': out.batchSize = int(1); break;
      case '--seed': out.seed = int(0); break;
      case '--backend': {
        const v = value();
        if (!['auto', 'wasm', 'reference', 'webgpu'].includes(v)) bad(flag, "'wasm', 'reference', 'webgpu' or 'auto'", v);
        out.backend = v as TrainArgs['backend'];
        break;
      }
      case '--optimizer': {
        const v = value();
        if (v !== 'adam' && v !== 'adamw' && v !== 'sgd') bad(flag, "'adam', 'adamw' or 'sgd'", v);
        optimizerKind = v;
        break;
      }
      case '--lr': lr = num(); break;
      case '--weight-decay': weightDecay = num(); break;
      case '--momentum': momentum = num(); break;
      case '--schedule': {
        const v = value();
        if (v !== 'constant' && v !== 'cosine' && v !== 'step') bad(flag, "'constant', 'cosine' or 'step'", v);
        schedule.kind = v;
        break;
      }
      case '--step-size': schedule.stepSize = int(1); break;
      case '--gamma': schedule.gamma = num(); break;
      case '--clip-norm': out.clipNorm = num(); break;
      case '--resume': out.resume = true; break;
      case '--threads': out.threads = int(1); break;
      case '--modalities': out.modalities = value().split(',').filter((m) => m.length > 0); break;
      case '--train': case '--val': case '--test': sizes[flag.slice(2) as 'train'] = int(0); break;
      case '--spec-size': out.dataOptions.specSize = int(2); break;
      case '--data-seed': out.dataOptions.seed = int(0); break;
      case '--snr': {
        const v = value();
        if (v === 'none') out.dataOptions.snrDb = null;
        else {
          const parts = v.split(',').map(Number);
          if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) bad(flag, "'LO,HI' or 'none'", v);
          out.dataOptions.snrDb = [parts[0], parts[1]];
        }
        break;
      }
      case '--pca': out.dataOptions.pcaEnergyRemoved = num(); break;
      case '--fsdd': out.dataOptions.fsddDir = value(); break;
      case '--synth': out.dataOptions.synthDir = value(); break;
      case '--mnist': out.dataOptions.mnistDir = value(); break;
      case '--dir': out.dataOptions.dir = value(); break;
      case '--no-cache': out.dataOptions.cache = false; break;
      default: bad('options', `one of the options below\n${USAGE}\n`, flag);
    }
  }
  if (out.data === undefined) bad('--data', `a dataset name (${DATASET_NAMES.join(', ')})`, undefined);
  if (out.out === undefined) bad('--out', 'a run folder', undefined);
  if (Object.keys(sizes).length > 0) out.dataOptions.sizes = sizes;
  const paper = optimizerKind === 'adam';
  return {
    data: out.data,
    out: out.out,
    model: out.model ?? 'perceiver',
    epochs: out.epochs ?? 10,
    batchSize: out.batchSize ?? 40,
    seed: out.seed ?? 0,
    backend: out.backend ?? 'wasm',
    threads: out.threads ?? null,
    optimizer: {
      kind: optimizerKind,
      lr: lr ?? (optimizerKind === 'sgd' ? 0.05 : paper ? 8e-4 : 1e-3),
      ...(weightDecay !== undefined ? { weightDecay } : paper ? { weightDecay: 1e-3 } : {}),
      ...(momentum !== undefined ? { momentum } : optimizerKind === 'sgd' ? { momentum: 0.9 } : {}),
    },
    schedule,
    clipNorm: out.clipNorm ?? null,
    resume: out.resume ?? false,
    modalities: out.modalities ?? null,
    dataOptions: out.dataOptions,
  };
}

function makeSchedule(a: TrainArgs): LrSchedule {
  switch (a.schedule.kind) {
    case 'cosine': return cosineLr(a.optimizer.lr, { total: a.epochs });
    case 'step': return stepLr(a.optimizer.lr, { stepSize: a.schedule.stepSize ?? Math.max(1, Math.floor(a.epochs / 3)), gamma: a.schedule.gamma ?? 0.1 });
    default: return constantLr(a.optimizer.lr);
  }
}

/** Initialises the requested backend (an unavailable one is an error, never a silent fallback). */
export async function initBackend(name: 'auto' | vm.BackendName, threads: number | null = null): Promise<string> {
  return vm.init({ backend: name, ...(threads === null ? {} : { threads }) });
}

/**
 * Runs `varmat train`; returns the exit code (0 done, 130 interrupted by Ctrl-C after saving).
 *
 * @example
 * await trainCommand(['--data', 'avmnist-synth', '--model', 'cnn', '--epochs', '2', '--out', 'runs/cnn']);
 */
export async function trainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const a = parseTrainArgs(args);
  const described = await initBackend(a.backend, a.threads);
  const started = performance.now();
  console.log(`backend: ${described}`);
  console.log(`data: ${a.data} ...`);
  const ds = await loadTrainData(a, started);
  const keep = a.modalities;
  const spec = modelSpecFor(a.model, ds.train);
  const model = buildModel(spec, { rng: a.seed });
  console.log(`model: ${a.model}, ${model.numParameters().toLocaleString('en-US')} parameters; optimizer ${JSON.stringify(a.optimizer)}; ${a.epochs} epochs, batch ${a.batchSize}, seed ${a.seed}`);
  const stop = abortOnSigint('\ninterrupt: finishing this step and saving (Ctrl-C again to quit without saving)\n');
  const printer = progressPrinter();
  try {
    const info = { model: spec, data: { name: a.data, options: a.dataOptions, modalities: keep }, seed: a.seed } as unknown as JsonValue;
    const result = await trainClassifier({
      model, train: ds.train, val: ds.val.size > 0 ? ds.val : null, test: ds.test.size > 0 ? ds.test : null,
      epochs: a.epochs, batchSize: a.batchSize, seed: a.seed, optimizer: a.optimizer, schedule: makeSchedule(a),
      clipNorm: a.clipNorm, outDir: a.out, resume: a.resume, signal: stop.signal, info,
      progressSeconds: printer.progressSeconds,
      onProgress: printer.onProgress,
      onEpoch: (r) => {
        printer.endEpoch();
        const v = r.valAccuracy === null ? '' : `  val loss ${r.valLoss!.toFixed(4)} acc ${(100 * r.valAccuracy).toFixed(2)}%${r.best ? ' (best)' : ''}`;
        console.log(`epoch ${r.epoch + 1}/${a.epochs}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}%${v}  ${r.samplesPerSec.toFixed(0)} samples/s, ${formatDuration(r.seconds)}`);
      },
    });
    if (result.interrupted) {
      console.log(`interrupted at step ${result.globalStep}; saved ${a.out}/last.safetensors. Continue with the same command and --resume.`);
      return 130;
    }
    if (result.test) {
      console.log(`test accuracy ${(100 * result.test.accuracy).toFixed(2)}% (loss ${result.test.loss.toFixed(4)}, ${result.test.samples} samples, weights of epoch ${result.test.epoch + 1})`);
    }
    console.log(`done in ${formatDuration((performance.now() - started) / 1000)}; log ${a.out}/log.json, best weights ${a.out}/best.safetensors`);
    return 0;
  } finally {
    stop.dispose();
    model.dispose();
  }
}
