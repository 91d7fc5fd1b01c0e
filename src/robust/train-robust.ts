/**
 * The VARMAT / Avg adversarial-training loop (VARMAT.md 4, 5.6, 7), with the clean loop's structure
 * (src/train): seeded shuffling per epoch (`epochSeed`), Adam with the paper's settings, validation
 * after every epoch (here: clean accuracy and robust accuracy, paper definition, under the joint
 * latent L2 PGD-10 at eps 0.2) with best-checkpoint selection on robust accuracy (strictly better),
 * progress with throughput and ETA, a JSON log per epoch, Ctrl-C (`signal`) saving a resumable
 * checkpoint, and exact resumption: weights, Adam state, position, running sums and the fast-AT
 * memory banks are saved; the attack's randomness is drawn from a generator seeded per step.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOptions } from '../errors.js';
import { tidy } from '../memory.js';
import { Rng } from '../random.js';
import { tensor } from '../ops/creation.js';
import { saveCheckpoint, type JsonValue } from '../checkpoint/checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import { Adam } from '../optim/adam.js';
import { epochSeed } from '../train/train-classifier.js';
import { progressState, type ProgressState } from '../train/progress.js';
import { checkRunOptions } from '../train/check-run-options.js';
import { nextTick } from '../train/next-tick.js';
import { resumePosition } from '../train/resume-position.js';
import { restoreBestWeights } from '../train/restore-best-weights.js';
import { writeRunLog } from '../train/write-run-log.js';
import { pgd } from '../attacks/pgd.js';
import type { FastAtAttack } from '../attacks/fast-at/fast-at-attack.js';
import { evaluateRobustness } from '../eval/evaluate-robustness.js';
import { robustStep, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
import { loadBanks, saveBanks } from './bank-file.js';

/** Options of `trainRobust`. */
export interface RobustTrainOptions {
  model: MultimodalModel;
  /** The fast-AT training attack (fgsmRs/Ep/Mep/Pco, varmat form); its memories are reset unless resuming. */
  attack: FastAtAttack;
  /** The step's options: 'varmat' or 'avg', alpha, aggregation, probe form, hidden extra gradient. */
  step: Omit<RobustStepOptions, 'rng' | 'noise'>;
  train: Dataset;
  val?: Dataset | null;
  test?: Dataset | null;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Adam (coupled weight decay), default the paper's lr 8e-4, weight decay 1e-3. */
  lr?: number;
  weightDecay?: number;
  /** Budget of the validation/test PGD (default 0.2 = 20 x 0.01) and its steps (default 10). */
  evalEps?: number;
  evalSteps?: number;
  evalBatchSize?: number;
  outDir?: string | null;
  resume?: boolean;
  signal?: AbortSignal;
  info?: JsonValue;
  onProgress?: (p: ProgressState) => void;
  progressSeconds?: number;
  onEpoch?: (record: RobustEpochRecord) => void;
}

/** One epoch of the log. */
export interface RobustEpochRecord {
  epoch: number;
  trainLoss: number;
  trainCe: number;
  trainPenalty: number;
  /** Adversarial training accuracy (on z + delta_train). */
  trainAdvAccuracy: number;
  /** Mean V[b, m] per modality over the epoch's batches (model order). */
  vulnerability: Record<string, number>;
  valCleanAccuracy: number | null;
  /** Paper definition: clean AND PGD prediction correct. */
  valRobustAccuracy: number | null;
  best: boolean;
  seconds: number;
  samplesPerSec: number;
}

/** What `trainRobust` returns (and `log.json` holds). */
export interface RobustTrainResult {
  history: RobustEpochRecord[];
  best: { epoch: number; valRobustAccuracy: number } | null;
  test: { epoch: number; cleanAccuracy: number; robustAccuracy: number; samples: number } | null;
  interrupted: boolean;
  globalStep: number;
}

interface Sums { loss: number; ce: number; penalty: number; correct: number; seen: number; v: number[]; batches: number }
interface Position {
  epoch: number; batch: number; globalStep: number; sums: Sums; epochSeconds: number;
  best: RobustTrainResult['best']; history: RobustEpochRecord[]; run: { seed: number; batchSize: number; trainSize: number; at: string; attack: string };
}

/**
 * Robust accuracy (paper definition) and clean accuracy under the joint latent L2 PGD.
 *
 * @example
 * const r = await vm.robust.robustValidation(model, val, { eps: 0.2, steps: 10, seed: 0 });
 */
export async function robustValidation(model: MultimodalModel, data: Dataset, options: { eps?: number; steps?: number; seed?: number; batchSize?: number; limit?: number } = {}): Promise<{ cleanAccuracy: number; robustAccuracy: number; samples: number }> {
  const atk = pgd({ space: 'latent', norm: 'l2', eps: options.eps ?? 0.2, relative: true, split: 'equal', steps: options.steps ?? 10, seed: options.seed ?? 0 });
  const rep = await evaluateRobustness(model, data, { attacks: { pgd: atk }, batchSize: options.batchSize ?? 100, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
  return { cleanAccuracy: rep.clean.accuracy, robustAccuracy: rep.results[0].robustAccuracy, samples: rep.samples };
}

/**
 * Trains `model` with VARMAT or Avg fast adversarial training.
 *
 * Files in `outDir`: `last.safetensors` (+ `.optim.safetensors`, `.json`, `last.banks.bin`),
 * `best.safetensors` (best validation robust accuracy), `log.json`.
 *
 * @example
 * const model = new vm.nn.PerceiverFusion(vm.nn.presets.avmnist, { rng: 0 });
 * const r = await vmn.robust.trainRobust({ model, attack: vm.attacks.fgsmRs(), step: { at: 'varmat', alpha: 1000 },
 *   train, val, test, epochs: 3, batchSize: 40, seed: 0, outDir: 'runs/varmat-rs' });
 */
export async function trainRobust(options: RobustTrainOptions): Promise<RobustTrainResult> {
  const op = 'trainRobust';
  checkOptions(op, options, ['model', 'attack', 'step', 'train', 'val', 'test', 'epochs', 'batchSize', 'seed', 'lr', 'weightDecay', 'evalEps', 'evalSteps', 'evalBatchSize', 'outDir', 'resume', 'signal', 'info', 'onProgress', 'progressSeconds', 'onEpoch']);
  checkRunOptions(op, options);
  const { model } = options;
  const optimizer = new Adam(model.namedParameters(), { lr: options.lr ?? 8e-4, weightDecay: options.weightDecay ?? 1e-3 });
  try {
    return await run(options, optimizer);
  } finally {
    optimizer.dispose();
  }
}

async function run(options: RobustTrainOptions, optimizer: Adam): Promise<RobustTrainResult> {
  const op = 'trainRobust';
  const { model, attack, train, epochs, batchSize, seed } = options;
  const outDir = options.outDir ?? null;
  const val = options.val ?? null;
  const K = model.modalities.length;
  const zeroSums = (): Sums => ({ loss: 0, ce: 0, penalty: 0, correct: 0, seen: 0, v: new Array<number>(K).fill(0), batches: 0 });
  const runInfo = { seed, batchSize, trainSize: train.size, at: options.step.at, attack: attack.name };
  let pos: Position = { epoch: 0, batch: 0, globalStep: 0, sums: zeroSums(), epochSeconds: 0, best: null, history: [], run: runInfo };
  const lastPath = outDir ? join(outDir, 'last.safetensors') : null;
  const banksPath = outDir ? join(outDir, 'last.banks.bin') : null;
  const bestPath = outDir ? join(outDir, 'best.safetensors') : null;
  if (outDir) await mkdir(outDir, { recursive: true });
  const param = model.parameters()[0].value;
  attack.reset();
  if (options.resume) {
    pos = await resumePosition<Position>(op, { lastPath, outDir, model, optimizer, run: runInfo });
    await loadBanks(banksPath!, attack, param.backend.name, param.dtype === 'float64' ? 'float64' : 'float32');
  }
  const evalOpts = { eps: options.evalEps ?? 0.2, steps: options.evalSteps ?? 10, batchSize: options.evalBatchSize ?? 100 };
  const log = (extra: Partial<RobustTrainResult> = {}): Promise<void> =>
    writeRunLog(outDir, { run: { ...runInfo, epochs, step: options.step, lr: optimizer.lr, eval: evalOpts, modalities: model.modalities }, epochs: pos.history, best: pos.best, ...extra });
  const savePosition = async (): Promise<void> => {
    if (!lastPath) return;
    await saveCheckpoint(lastPath, { model, optimizer, position: pos as unknown as JsonValue, info: options.info ?? null });
    await saveBanks(banksPath!, attack);
  };
  const progressEvery = (options.progressSeconds ?? 1) * 1000;
  let interrupted = false;
  model.train();
  while (pos.epoch < epochs && !interrupted) {
    const epoch = pos.epoch;
    const started = performance.now();
    const secondsBefore = pos.epochSeconds;
    let lastReport = started;
    let done = 0;
    let batchIndex = 0;
    const s = pos.sums;
    const report = (force: boolean): void => {
      const now = performance.now();
      if (!options.onProgress || (!force && now - lastReport < progressEvery)) return;
      lastReport = now;
      options.onProgress(progressState({
        epoch, epochs, seen: s.seen, total: train.size, doneThisSession: done, elapsedMs: now - started,
        loss: s.seen ? s.loss / s.batches : NaN, accuracy: s.seen ? s.correct / s.seen : NaN,
      }));
    };
    for (const batch of train.batches({ batchSize, shuffle: true, seed: epochSeed(seed, epoch) })) {
      if (batchIndex++ < pos.batch) continue;
      let r!: RobustStepResult;
      tidy(() => {
        const x = model.prepareInputs(batch.inputs);
        const labels = tensor(batch.labels, [batch.labels.length], { dtype: 'int32', backend: param.backend.name });
        r = robustStep(model, attack, x, labels, batch.indices, epoch, { ...options.step, rng: new Rng(epochSeed(seed ^ 0x5bd1e995, pos.globalStep)) });
      });
      optimizer.step();
      optimizer.zeroGrad();
      s.loss += r.loss; s.ce += r.ce; s.penalty += r.penalty; s.correct += r.correct; s.seen += r.samples; s.batches++;
      if (r.vulnerability) r.vulnerability.forEach((v, k) => { s.v[k] += v; });
      pos.batch++;
      pos.globalStep++;
      done += r.samples;
      report(false);
      await nextTick();
      if (options.signal?.aborted && pos.batch * batchSize < train.size) {
        interrupted = true;
        break;
      }
    }
    const seconds = secondsBefore + (performance.now() - started) / 1000;
    pos.epochSeconds = seconds;
    if (interrupted) break;
    report(true);
    const v = val ? await robustValidation(model, val, { ...evalOpts, seed: epoch }) : null;
    model.train();
    const isBest = v !== null && (pos.best === null || v.robustAccuracy > pos.best.valRobustAccuracy);
    const record: RobustEpochRecord = {
      epoch, trainLoss: s.loss / s.batches, trainCe: s.ce / s.batches, trainPenalty: s.penalty / s.batches, trainAdvAccuracy: s.correct / s.seen,
      vulnerability: Object.fromEntries(model.modalities.map((m, k) => [m, s.v[k] / s.batches])),
      valCleanAccuracy: v?.cleanAccuracy ?? null, valRobustAccuracy: v?.robustAccuracy ?? null, best: isBest, seconds, samplesPerSec: train.size / seconds,
    };
    if (isBest) pos.best = { epoch, valRobustAccuracy: v!.robustAccuracy };
    pos.history = [...pos.history, record];
    pos.epoch = epoch + 1;
    pos.batch = 0;
    pos.sums = zeroSums();
    pos.epochSeconds = 0;
    if (isBest && bestPath) await saveCheckpoint(bestPath, { model, position: { epoch, valRobustAccuracy: v!.robustAccuracy }, info: options.info ?? null });
    await savePosition();
    await log();
    options.onEpoch?.(record);
    if (options.signal?.aborted) interrupted = pos.epoch < epochs;
  }
  if (interrupted) {
    await savePosition();
    await log({ interrupted: true });
    return { history: pos.history, best: pos.best, test: null, interrupted: true, globalStep: pos.globalStep };
  }
  let test: RobustTrainResult['test'] = null;
  if (options.test) {
    const epochOfWeights = await restoreBestWeights(model, { best: pos.best, bestPath, lastEpoch: epochs - 1 });
    const t = await robustValidation(model, options.test, { ...evalOpts, seed: 1_000_003 });
    test = { epoch: epochOfWeights, ...t };
  }
  await log({ test, interrupted: false });
  return { history: pos.history, best: pos.best, test, interrupted: false, globalStep: pos.globalStep };
}
