/**
 * The VARMAT experiment (issue 7): the grid {training attacks} x {Avg, VARMAT} x {seeds}, run as
 * clean pre-training (one model per seed) followed by adversarial fine-tuning of each cell from that
 * seed's clean weights, then tested once on the weights with the best validation robust accuracy
 * (VARMAT.md 5.6). Every stage writes into its own folder under `runsDir`; a finished stage is
 * skipped and an interrupted one resumed exactly, so the grid can be carried across sittings.
 * After every cell the summary (JSON, Markdown, HTML) is rewritten under `resultsDir`.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VarmatError, checkOptions, fail } from '../errors.js';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { readCheckpoint, type JsonValue } from '../checkpoint/checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import { fgsmEp, fgsmMep, fgsmPco, fgsmRs, type FastAtAttack } from '../attacks/fast-at/index.js';
import { buildModel, type ModelSpec } from '../train/model-factory.js';
import { trainClassifier, type EpochRecord } from '../train/train-classifier.js';
import type { ProgressState } from '../train/progress.js';
import { trainRobust, robustValidation, type RobustEpochRecord } from './train-robust.js';
import type { AtMethod } from './robust-step.js';
import { meanVulnerability } from './test-vulnerability.js';
import { experimentMarkdown, pairedGains, summarizeCells, type ExperimentCell } from './experiment-table.js';
import { buildReport, reportHtml, type ReportRun } from './report.js';

/** The training attacks of the grid (latent L2, the authors' form). */
export const EXPERIMENT_ATTACKS = ['fgsm-rs', 'fgsm-ep', 'fgsm-mep', 'fgsm-pco'] as const;
export type ExperimentAttack = (typeof EXPERIMENT_ATTACKS)[number];

/** What is trained and how: everything that changes the numbers (saved as protocol.json). */
export interface ExperimentProtocol {
  /** Dataset name and the sizes actually used (first N samples of each split). */
  data: string;
  trainSize: number;
  valSize: number;
  testSize: number;
  model: 'perceiver' | 'cnn';
  seeds: number[];
  attacks: ExperimentAttack[];
  methods: AtMethod[];
  /** Clean pre-training: epochs over the first `cleanTrainSize` training samples (best val accuracy kept). */
  cleanEpochs: number;
  /**
   * One clean model (of the first seed) as every cell's starting point, as the authors start all their
   * AT runs from one released clean checkpoint; false: one clean model per seed. Seeds always vary the
   * fine-tuning (shuffling, attack noise, dropout).
   */
  sharedClean: boolean;
  cleanTrainSize: number;
  /** Adversarial fine-tuning: epochs over the first `trainSize` training samples. */
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Training budget (relative latent L2, split 1/K) and the VARMAT weight. */
  eps: number;
  alpha: number;
  /** Validation/test PGD (paper: 0.2, 10 steps) and extra test budgets for the curve. */
  evalEps: number;
  evalSteps: number;
  extraEps: number[];
}

/** Options of `runExperiment`. */
export interface ExperimentOptions {
  protocol: ExperimentProtocol;
  /** Train / validation / test data (at least the protocol's sizes). */
  data: { train: Dataset; val: Dataset; test: Dataset };
  /** Builds the model for a seed (weights initialised from the seed). */
  modelSpec: ModelSpec;
  runsDir: string;
  resultsDir: string;
  title?: string;
  signal?: AbortSignal;
  /** Called when a stage starts, is skipped or finishes. */
  onStage?: (event: { stage: string; status: 'start' | 'skip' | 'resume' | 'done'; detail?: string }) => void;
  onProgress?: (p: ProgressState) => void;
  progressSeconds?: number;
  onEpoch?: (stage: string, record: RobustEpochRecord) => void;
  /** Called after each clean pre-training epoch. */
  onCleanEpoch?: (stage: string, record: EpochRecord) => void;
}

/** What `runExperiment` returns. */
export interface ExperimentResult {
  cells: ExperimentCell[];
  /** Cells of the grid still to run (0 when complete). */
  remaining: number;
  interrupted: boolean;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const firstRows = (d: Dataset, n: number): Dataset => (n >= d.size ? d : d.subset(Array.from({ length: n }, (_, i) => i)));

function makeAttack(name: ExperimentAttack, eps: number, seed: number): FastAtAttack {
  switch (name) {
    case 'fgsm-ep': return fgsmEp({ eps, seed });
    case 'fgsm-mep': return fgsmMep({ eps, seed });
    case 'fgsm-pco': return fgsmPco({ eps, seed });
    default: return fgsmRs({ eps, seed });
  }
}

/** The folder name of a cell. */
export function cellName(method: string, attack: string, seed: number): string {
  return `${method}-${attack}-s${seed}`;
}

/**
 * Checks that `runsDir` holds runs of this same protocol (or none yet) and records it there.
 * Mixing protocols in one folder would silently mix incomparable numbers.
 */
async function pinProtocol(runsDir: string, protocol: ExperimentProtocol): Promise<void> {
  const path = join(runsDir, 'protocol.json');
  if (existsSync(path)) {
    const saved = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const differs = Object.keys({ ...saved, ...protocol }).filter((k) => !['seeds', 'attacks', 'methods'].includes(k)
      && JSON.stringify(saved[k]) !== JSON.stringify((protocol as unknown as Record<string, unknown>)[k]));
    if (differs.length > 0) {
      throw new VarmatError('VALUE', 'runExperiment', `'${runsDir}' holds runs of another protocol (${differs.map((k) => `${k}: ${JSON.stringify(saved[k])} there, ${JSON.stringify((protocol as unknown as Record<string, unknown>)[k])} now`).join('; ')}); use another runs folder`);
    }
  }
  await writeFileAtomic(path, enc(`${JSON.stringify(protocol, null, 1)}\n`));
}

/**
 * Runs (or continues) the experiment grid and rewrites the results after every cell.
 *
 * @example
 * const r = await vmn.robust.runExperiment({ protocol, data, modelSpec, runsDir: 'runs/exp', resultsDir: 'results/avmnist' });
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const op = 'runExperiment';
  checkOptions(op, options, ['protocol', 'data', 'modelSpec', 'runsDir', 'resultsDir', 'title', 'signal', 'onStage', 'onProgress', 'progressSeconds', 'onEpoch', 'onCleanEpoch']);
  const p = options.protocol;
  for (const a of p.attacks) if (!(EXPERIMENT_ATTACKS as readonly string[]).includes(a)) fail('OPTION', op, 'protocol.attacks', EXPERIMENT_ATTACKS.join(', '), a);
  for (const m of p.methods) if (m !== 'avg' && m !== 'varmat') fail('OPTION', op, 'protocol.methods', "'avg' or 'varmat'", m);
  if (p.seeds.length === 0) fail('VALUE', op, 'protocol.seeds', 'at least one seed', '[]');
  const { data, runsDir } = options;
  for (const [split, size] of [['train', Math.max(p.trainSize, p.cleanTrainSize)], ['val', p.valSize], ['test', p.testSize]] as const) {
    if (data[split].size < size) fail('VALUE', op, `data.${split}`, `at least ${size} samples (the protocol's size)`, `${data[split].size}`);
  }
  await mkdir(runsDir, { recursive: true });
  await pinProtocol(runsDir, p);
  const train = firstRows(data.train, p.trainSize);
  const cleanTrain = firstRows(data.train, p.cleanTrainSize);
  const val = firstRows(data.val, p.valSize);
  const test = firstRows(data.test, p.testSize);
  const stage = options.onStage ?? (() => undefined);
  const info = (seed: number, extra: Record<string, JsonValue> = {}): JsonValue => ({ model: options.modelSpec, data: { name: p.data, options: {}, modalities: null }, seed, ...extra } as unknown as JsonValue);
  const evalOpts = { eps: p.evalEps, steps: p.evalSteps };
  let interrupted = false;

  for (const seed of p.seeds) {
    // Stage 1: the seed's clean model (the first seed's when shared).
    const cleanSeed = p.sharedClean ? p.seeds[0] : seed;
    const cleanDir = join(runsDir, `clean-s${cleanSeed}`);
    const cleanDone = join(cleanDir, 'done.json');
    if (existsSync(cleanDone)) {
      if (cleanSeed === seed) stage({ stage: `clean-s${cleanSeed}`, status: 'skip' });
    } else {
      const resume = existsSync(join(cleanDir, 'last.safetensors'));
      stage({ stage: `clean-s${cleanSeed}`, status: resume ? 'resume' : 'start' });
      const model = buildModel(options.modelSpec, { rng: cleanSeed });
      try {
        const r = await trainClassifier({
          model, train: cleanTrain, val, test: null, epochs: p.cleanEpochs, batchSize: p.batchSize, seed: cleanSeed,
          optimizer: { kind: 'adam', lr: p.lr, weightDecay: p.weightDecay }, outDir: cleanDir, resume,
          info: info(cleanSeed), ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onCleanEpoch ? { onEpoch: (rec: EpochRecord) => options.onCleanEpoch!(`clean-s${cleanSeed}`, rec) } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.progressSeconds !== undefined ? { progressSeconds: options.progressSeconds } : {}),
        });
        if (r.interrupted) { interrupted = true; break; }
        const best = r.best ?? null;
        await writeFileAtomic(cleanDone, enc(`${JSON.stringify({ best, history: r.history }, null, 1)}\n`));
        stage({ stage: `clean-s${cleanSeed}`, status: 'done', detail: best ? `val accuracy ${(100 * best.valAccuracy).toFixed(2)}% (epoch ${best.epoch + 1})` : '' });
      } finally {
        model.dispose();
      }
    }
    const cleanWeights = existsSync(join(cleanDir, 'best.safetensors')) ? join(cleanDir, 'best.safetensors') : join(cleanDir, 'last.safetensors');

    // Stage 2: the cells of this seed.
    for (const attackName of p.attacks) {
      for (const method of p.methods) {
        const name = cellName(method, attackName, seed);
        const dir = join(runsDir, name);
        const cellPath = join(dir, 'cell.json');
        if (existsSync(cellPath)) {
          stage({ stage: name, status: 'skip' });
          continue;
        }
        const resume = existsSync(join(dir, 'last.safetensors'));
        stage({ stage: name, status: resume ? 'resume' : 'start' });
        const model = buildModel(options.modelSpec, { rng: seed });
        const attack = makeAttack(attackName, p.eps, seed);
        try {
          if (!resume) model.loadStateDict((await readCheckpoint(cleanWeights)).weights);
          const r = await trainRobust({
            model, attack, step: { at: method, alpha: p.alpha }, train, val, test,
            epochs: p.epochs, batchSize: p.batchSize, seed, lr: p.lr, weightDecay: p.weightDecay,
            evalEps: p.evalEps, evalSteps: p.evalSteps, outDir: dir, resume,
            info: info(seed, { at: method, attack: attackName, init: cleanWeights }),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.progressSeconds !== undefined ? { progressSeconds: options.progressSeconds } : {}),
            ...(options.onEpoch ? { onEpoch: (rec: RobustEpochRecord) => options.onEpoch!(name, rec) } : {}),
          });
          if (r.interrupted) { interrupted = true; break; }
          // The model now holds the tested (best) weights: extra budgets and the test vulnerability.
          const robust = [{ eps: p.evalEps, robustAccuracy: r.test!.robustAccuracy }];
          for (const eps of p.extraEps) robust.push({ eps, robustAccuracy: (await robustValidation(model, test, { ...evalOpts, eps, seed: 1_000_003 })).robustAccuracy });
          robust.sort((a, b) => a.eps - b.eps);
          const cell: ExperimentCell = {
            method, attack: attackName, seed, cleanAccuracy: r.test!.cleanAccuracy, robust,
            vulnerability: meanVulnerability(model, test), epoch: r.test!.epoch, seconds: r.history.reduce((s, h) => s + h.seconds, 0),
          };
          await writeFileAtomic(cellPath, enc(`${JSON.stringify(cell, null, 1)}\n`));
          stage({ stage: name, status: 'done', detail: `clean ${(100 * cell.cleanAccuracy).toFixed(2)}%, robust ${robust.map((x) => `${(100 * x.robustAccuracy).toFixed(2)}% @${x.eps}`).join(', ')}` });
        } finally {
          attack.dispose();
          model.dispose();
        }
        await writeResults(options);
      }
      if (interrupted) break;
    }
    if (interrupted) break;
  }
  const cells = await writeResults(options);
  const total = p.seeds.length * p.attacks.length * p.methods.length;
  return { cells, remaining: total - cells.length, interrupted };
}

/** Reads the finished cells of the protocol's grid from `runsDir`. */
export async function readCells(runsDir: string, protocol: Pick<ExperimentProtocol, 'seeds' | 'attacks' | 'methods'>): Promise<ExperimentCell[]> {
  const cells: ExperimentCell[] = [];
  for (const seed of protocol.seeds) {
    for (const attack of protocol.attacks) {
      for (const method of protocol.methods) {
        const path = join(runsDir, cellName(method, attack, seed), 'cell.json');
        if (existsSync(path)) cells.push(JSON.parse(await readFile(path, 'utf8')) as ExperimentCell);
      }
    }
  }
  return cells;
}

/** Rewrites results.json, results.md and report.html from the finished cells; returns them. */
async function writeResults(options: ExperimentOptions): Promise<ExperimentCell[]> {
  const p = options.protocol;
  const cells = await readCells(options.runsDir, p);
  const title = options.title ?? `VARMAT vs Avg on ${p.data}`;
  const table = experimentMarkdown(cells, { attacks: p.attacks, methods: p.methods, eps: p.evalEps });
  const total = p.seeds.length * p.attacks.length * p.methods.length;
  const protocolText = describeProtocol(p);
  const md = [`# ${title}`, '', `${cells.length} of ${total} cells finished.`, '', protocolText, '', table].join('\n');
  const runs: ReportRun[] = [];
  for (const c of cells) {
    const log = JSON.parse(await readFile(join(options.runsDir, cellName(c.method, c.attack, c.seed), 'log.json'), 'utf8')) as { epochs: RobustEpochRecord[]; best: ReportRun['best']; test: ReportRun['test'] };
    runs.push({ name: cellName(c.method, c.attack, c.seed), at: c.method, attack: c.attack, modalities: Object.keys(c.vulnerability), history: log.epochs, best: log.best, test: log.test, curve: c.robust, seconds: c.seconds });
  }
  const report = buildReport(runs, title, { summary: md, groupBy: runs.length > 8 ? 'method-attack' : null });
  await mkdir(options.resultsDir, { recursive: true });
  const json = { title, protocol: p, finished: cells.length, total, cells, summary: summarizeCells(cells, p.attacks, p.methods), gains: pairedGains(cells, p.attacks, p.evalEps) };
  await writeFileAtomic(join(options.resultsDir, 'results.json'), enc(`${JSON.stringify(json, null, 1)}\n`));
  await writeFileAtomic(join(options.resultsDir, 'results.md'), enc(md));
  await writeFileAtomic(join(options.resultsDir, 'report.html'), enc(reportHtml(report)));
  return cells;
}

/**
 * The protocol in one paragraph of Markdown.
 *
 * @example
 * describeProtocol(protocol);
 */
export function describeProtocol(p: ExperimentProtocol): string {
  return `Protocol: ${p.model} on \`${p.data}\`; seeds ${p.seeds.join(', ')}; clean pre-training for ${p.cleanEpochs} epoch(s) on the first ${p.cleanTrainSize} training samples `
    + `(Adam lr ${p.lr}, weight decay ${p.weightDecay}, batch ${p.batchSize}; best validation accuracy kept${p.sharedClean ? `; one clean model, of seed ${p.seeds[0]}, shared by all seeds` : ''}), then each cell fine-tunes those weights for ${p.epochs} epoch(s) `
    + `on the first ${p.trainSize} training samples with its fast-AT attack (latent L2, eps ${p.eps} relative, split 1/K)${p.methods.includes('varmat') ? `, VARMAT with alpha ${p.alpha}` : ''}. `
    + `Model selection on the first ${p.valSize} validation samples by robust accuracy under PGD-${p.evalSteps} at eps ${p.evalEps}; the selected weights are tested once on the first ${p.testSize} test samples `
    + `(robust accuracy, paper definition: clean AND attacked prediction correct; joint latent L2 PGD-${p.evalSteps}, relative budget split 1/K${p.extraEps.length ? `, also at eps ${p.extraEps.join(', ')}` : ''}). `
    + 'V: mean over test samples of ||d CE_i / d z_m||_2. Spread: sample standard deviation over seeds.';
}
