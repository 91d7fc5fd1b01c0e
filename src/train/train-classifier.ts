import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { crossEntropy } from '../ops/nn.js';
import { saveCheckpoint, type JsonValue } from '../checkpoint/checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import type { HostArray } from '../nn/module.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import { Adam, AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip-grad-norm.js';
import { constantLr, type LrSchedule } from '../optim/lr-schedule.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { MetricSums, evaluate, type EvalResult } from './evaluate.js';
import { progressState, type ProgressState } from './progress.js';
import { checkRunOptions } from './check-run-options.js';
import { nextTick } from './next-tick.js';
import { resumePosition } from './resume-position.js';
import { restoreBestWeights } from './restore-best-weights.js';
import { writeRunLog } from './write-run-log.js';

/** Which optimizer to train with. The default is the paper's: Adam, lr 8e-4, coupled weight decay 1e-3. */
export interface OptimizerSpec {
  kind: 'adam' | 'adamw' | 'sgd';
  lr: number;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Options of `trainClassifier`. */
export interface TrainOptions {
  model: MultimodalModel;
  train: Dataset;
  /** Validation split: evaluated after every epoch; the best epoch's weights are kept. */
  val?: Dataset | null;
  /** Test split: evaluated once, with the best weights, when training completes. */
  test?: Dataset | null;
  epochs: number;
  batchSize: number;
  /** Seed of the shuffling (the model's initial weights are the caller's). */
  seed: number;
  optimizer?: OptimizerSpec;
  /** Learning rate per epoch (default: constant at the optimizer's lr). */
  schedule?: LrSchedule;
  /** Clip gradients to this global L2 norm (default: no clipping). */
  clipNorm?: number | null;
  /** Folder for `last.*` / `best.*` checkpoints and `log.json` (default: none, nothing written). */
  outDir?: string | null;
  /** Continue from `<outDir>/last.safetensors` (exactly: the same result as an uninterrupted run). */
  resume?: boolean;
  /** Stops the run after the current step, saving `last` for `resume` (Ctrl-C). */
  signal?: AbortSignal;
  /** Stored in every checkpoint sidecar (model spec, data options) so `varmat eval` can rebuild. */
  info?: JsonValue;
  /** Batch size of the evaluations (default 256). */
  evalBatchSize?: number;
  /** Called about every `progressSeconds` (default 1) and at the end of each epoch. */
  onProgress?: (p: ProgressState) => void;
  progressSeconds?: number;
  /** Called after each epoch's record is complete. */
  onEpoch?: (record: EpochRecord) => void;
  /** Called after each optimizer step with the global step count (1-based). */
  onStep?: (globalStep: number) => void;
}

/** One epoch of the JSON log. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Whether this epoch's weights became `best`. */
  best: boolean;
  seconds: number;
  samplesPerSec: number;
  globalStep: number;
}

/** What `trainClassifier` returns (and `log.json` holds). */
export interface TrainResult {
  history: EpochRecord[];
  best: { epoch: number; valAccuracy: number } | null;
  /** Test loss and accuracy of the best weights (the last epoch's without a validation split). */
  test: (EvalResult & { epoch: number }) | null;
  interrupted: boolean;
  globalStep: number;
}

/** Where a run stands; saved in `last.json` so that `resume` continues exactly. */
interface Position {
  epoch: number;
  batch: number;
  globalStep: number;
  epochSums: { lossSum: number; correct: number; seen: number };
  epochSeconds: number;
  best: { epoch: number; valAccuracy: number } | null;
  history: EpochRecord[];
  run: { seed: number; batchSize: number; trainSize: number; optimizer: string };
}

const PAPER_OPTIMIZER: OptimizerSpec = { kind: 'adam', lr: 8e-4, weightDecay: 1e-3 };

/** The shuffle seed of an epoch, mixed from the run's seed. */
export function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^ Math.floor(seed / 2 ** 32);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function makeOptimizer(spec: OptimizerSpec, model: MultimodalModel): Optimizer {
  const params = model.namedParameters();
  switch (spec.kind) {
    case 'adam': return new Adam(params, { lr: spec.lr, weightDecay: spec.weightDecay ?? 0 });
    case 'adamw': return new AdamW(params, { lr: spec.lr, ...(spec.weightDecay !== undefined ? { weightDecay: spec.weightDecay } : {}) });
    case 'sgd': return new SGD(params, { lr: spec.lr, momentum: spec.momentum ?? 0, weightDecay: spec.weightDecay ?? 0, nesterov: spec.nesterov ?? false });
    default: return fail('OPTION', 'trainClassifier', 'optimizer.kind', "'adam', 'adamw' or 'sgd'", (spec as { kind: unknown }).kind);
  }
}

/** A host copy of a model's weights. */
async function snapshot(model: MultimodalModel): Promise<Record<string, HostArray>> {
  const out: Record<string, HostArray> = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
  return out;
}

/**
 * Trains a multimodal classifier with cross-entropy (clean training): seeded shuffling per epoch,
 * validation after every epoch with best-checkpoint selection, progress with throughput and ETA, a
 * JSON log per epoch, Ctrl-C (`signal`) saving a resumable checkpoint, and exact resumption.
 *
 * Files in `outDir`: `last.safetensors` (+ `.optim.safetensors`, `.json`: weights, optimizer and
 * position, after every epoch and on interruption), `best.safetensors` (+ `.json`: the weights of the
 * best validation accuracy), `log.json` (every epoch's record, and the test result at the end).
 *
 * @example
 * const model = new vm.nn.PerceiverFusion(vm.nn.presets.avmnist, { rng: 0 });
 * const result = await vm.train.trainClassifier({ model, train, val, test, epochs: 5, batchSize: 40, seed: 0, outDir: 'runs/a' });
 * result.test?.accuracy;
 */
export async function trainClassifier(options: TrainOptions): Promise<TrainResult> {
  const op = 'trainClassifier';
  checkOptions(op, options, ['model', 'train', 'val', 'test', 'epochs', 'batchSize', 'seed', 'optimizer', 'schedule', 'clipNorm', 'outDir', 'resume', 'signal', 'info', 'evalBatchSize', 'onProgress', 'progressSeconds', 'onEpoch', 'onStep']);
  checkRunOptions(op, options);
  const { model } = options;
  const spec = options.optimizer ?? PAPER_OPTIMIZER;
  const schedule = options.schedule ?? constantLr(spec.lr);
  const optimizer = makeOptimizer(spec, model);
  try {
    return await runTraining(options, optimizer, spec, schedule);
  } finally {
    optimizer.dispose();
  }
}

async function runTraining(options: TrainOptions, optimizer: Optimizer, spec: OptimizerSpec, schedule: LrSchedule): Promise<TrainResult> {
  const op = 'trainClassifier';
  const { model, train, epochs, batchSize, seed } = options;
  const outDir = options.outDir ?? null;
  const val = options.val ?? null;
  const evalBatchSize = options.evalBatchSize ?? 256;
  const run = { seed, batchSize, trainSize: train.size, optimizer: JSON.stringify(spec) };
  let pos: Position = {
    epoch: 0, batch: 0, globalStep: 0, epochSums: { lossSum: 0, correct: 0, seen: 0 }, epochSeconds: 0, best: null, history: [], run,
  };
  const lastPath = outDir ? join(outDir, 'last.safetensors') : null;
  const bestPath = outDir ? join(outDir, 'best.safetensors') : null;
  if (outDir) await mkdir(outDir, { recursive: true });
  if (options.resume) {
    pos = await resumePosition<Position>(op, { lastPath, outDir, model, optimizer, run, hint: '; resume with the same settings (epochs may grow)' });
  }
  const log = (extra: Partial<TrainResult> = {}): Promise<void> =>
    writeRunLog(outDir, { run: { ...run, optimizer: spec, schedule: schedule.toJSON(), epochs, clipNorm: options.clipNorm ?? null }, epochs: pos.history, best: pos.best, ...extra });
  const savePosition = async (): Promise<void> => {
    if (lastPath) await saveCheckpoint(lastPath, { model, optimizer, position: pos as unknown as JsonValue, info: options.info ?? null });
  };
  const params = model.parameters();
  const progressEvery = (options.progressSeconds ?? 1) * 1000;
  let interrupted = false;
  let bestInMemory: Record<string, HostArray> | null = null;
  model.train();
  while (pos.epoch < epochs && !interrupted) {
    const epoch = pos.epoch;
    optimizer.lr = schedule.lrAt(epoch);
    const sums = new MetricSums(pos.epochSums);
    const started = performance.now();
    const secondsBefore = pos.epochSeconds;
    let lastReport = started;
    let doneThisSession = 0;
    let batchIndex = 0;
    try {
      const report = async (force: boolean): Promise<void> => {
        const now = performance.now();
        if (!options.onProgress || (!force && now - lastReport < progressEvery)) return;
        lastReport = now;
        const s = await sums.read();
        options.onProgress(progressState({
          epoch, epochs, seen: s.seen, total: train.size, doneThisSession, elapsedMs: now - started,
          loss: s.seen ? s.lossSum / s.seen : NaN, accuracy: s.seen ? s.correct / s.seen : NaN,
        }));
      };
      for (const batch of train.batches({ batchSize, shuffle: true, seed: epochSeed(seed, epoch) })) {
        if (batchIndex++ < pos.batch) continue;
        tidy(() => {
          const x = model.prepareInputs(batch.inputs);
          const logits = model.forward(x);
          const labels = tensor(batch.labels, [batch.labels.length], { dtype: 'int32', backend: logits.backend.name });
          crossEntropy(logits, labels).backward();
          sums.add(logits.detach(), labels);
        });
        if (options.clipNorm) clipGradNorm(params, options.clipNorm)?.dispose();
        optimizer.step();
        optimizer.zeroGrad();
        pos.batch++;
        pos.globalStep++;
        doneThisSession += batch.labels.length;
        options.onStep?.(pos.globalStep);
        await report(false);
        await nextTick();
        if (options.signal?.aborted && pos.batch * batchSize < train.size) {
          interrupted = true;
          break;
        }
      }
      const seconds = secondsBefore + (performance.now() - started) / 1000;
      pos.epochSums = await sums.read();
      pos.epochSeconds = seconds;
      if (interrupted) break;
      await report(true);
      const trained = await sums.result();
      const v = val ? await evaluate(model, val, { batchSize: evalBatchSize }) : null;
      const isBest = v !== null && (pos.best === null || v.accuracy > pos.best.valAccuracy);
      const record: EpochRecord = {
        epoch, lr: optimizer.lr, trainLoss: trained.loss, trainAccuracy: trained.accuracy,
        valLoss: v?.loss ?? null, valAccuracy: v?.accuracy ?? null, best: isBest,
        seconds, samplesPerSec: train.size / seconds, globalStep: pos.globalStep,
      };
      if (isBest) pos.best = { epoch, valAccuracy: v!.accuracy };
      pos.history = [...pos.history, record];
      pos.epoch = epoch + 1;
      pos.batch = 0;
      pos.epochSums = { lossSum: 0, correct: 0, seen: 0 };
      pos.epochSeconds = 0;
      if (isBest && bestPath) await saveCheckpoint(bestPath, { model, position: { epoch, valAccuracy: v!.accuracy }, info: options.info ?? null });
      if (isBest && !bestPath) bestInMemory = await snapshot(model);
      await savePosition();
      await log();
      options.onEpoch?.(record);
      if (options.signal?.aborted) interrupted = pos.epoch < epochs;
    } finally {
      sums.dispose();
    }
  }
  if (interrupted) {
    await savePosition();
    await log({ interrupted: true });
    return { history: pos.history, best: pos.best, test: null, interrupted: true, globalStep: pos.globalStep };
  }
  let test: TrainResult['test'] = null;
  if (options.test) {
    const epochOfWeights = await restoreBestWeights(model, { best: pos.best, bestPath, inMemory: bestInMemory, lastEpoch: epochs - 1 });
    test = { ...(await evaluate(model, options.test, { batchSize: evalBatchSize })), epoch: epochOfWeights };
  }
  await log({ test, interrupted: false });
  return { history: pos.history, best: pos.best, test, interrupted: false, globalStep: pos.globalStep };
}
