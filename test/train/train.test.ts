import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { CnnLateFusion, PerceiverFusion, type Parameter } from '../../src/nn/index.js';
import { evaluate, formatProgress, selectModalities, trainClassifier, type ProgressState } from '../../src/train/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const dir = mkdtempSync(join(tmpdir(), 'varmat-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A learnable toy task: class c brightens a c-dependent quadrant of image 'a' and a row band of 'b'. */
function toyDataset(n: number, seed: number): Dataset {
  const rng = new vm.Rng(seed);
  const a = new Float32Array(n * 64);
  const b = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let p = 0; p < 64; p++) {
      const r = Math.floor(p / 8);
      const col = p % 8;
      a[i * 64 + p] = 0.3 * rng.uniform() + (c === 0 ? (r < 4 && col < 4 ? 1 : 0) : c === 1 ? (r >= 4 && col >= 4 ? 1 : 0) : 0);
      b[i * 64 + p] = 0.3 * rng.uniform() + (r === 2 * c + 1 ? 1 : 0);
    }
  }
  return new Dataset({ name: 'toy', classes: 3, labels, inputs: { a: { data: a, shape: [n, 8, 8] }, b: { data: b, shape: [n, 8, 8] } } });
}

const cnn = (): CnnLateFusion => new CnnLateFusion({ classes: 3, width: 2, hidden: 8, modalities: [{ name: 'a', size: [8, 8] }, { name: 'b', size: [8, 8] }] }, { rng: 5 });
const bytes = (p: Parameter): number[] => Array.from(new Uint8Array(p.value.dataSync().buffer));
const stable = (h: { seconds: number; samplesPerSec: number }[]): unknown[] => h.map(({ seconds: _s, samplesPerSec: _r, ...rest }) => rest);

describe('trainClassifier', () => {
  const train = toyDataset(48, 1);
  const val = toyDataset(24, 2);
  const test = toyDataset(24, 3);
  const common = { train, val, test, epochs: 3, batchSize: 8, seed: 11, optimizer: { kind: 'adam' as const, lr: 0.01, weightDecay: 1e-3 } };

  it('learns, logs every epoch, keeps the best checkpoint and reports progress', async () => {
    const model = cnn();
    const progress: ProgressState[] = [];
    const out = join(dir, 'plain');
    const result = await trainClassifier({ ...common, model, outDir: out, progressSeconds: 0, onProgress: (p) => progress.push(p) });
    expect(result.interrupted).toBe(false);
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    expect(result.globalStep).toBe(18);
    expect(result.history[2].trainLoss).toBeLessThan(result.history[0].trainLoss);
    expect(result.test!.accuracy).toBeGreaterThan(0.6);
    expect(result.best!.valAccuracy).toBe(Math.max(...result.history.map((h) => h.valAccuracy!)));
    for (const f of ['last.safetensors', 'last.optim.safetensors', 'last.json', 'best.safetensors', 'best.json', 'log.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    expect(log.epochs.length).toBe(3);
    expect(log.test.accuracy).toBe(result.test!.accuracy);
    expect(log.run.optimizer).toEqual(common.optimizer);
    const last = progress[progress.length - 1];
    expect(last.done).toBe(48);
    expect(last.samplesPerSec).toBeGreaterThan(0);
    expect(formatProgress(last)).toMatch(/^epoch 3\/3 \[#{20}\] 48\/48 +\d+ samples\/s  ETA 0:00  loss \d\.\d{4}  acc \d+\.\d%$/);
    expect(formatProgress({ ...last, epoch: 0, done: 12, runEtaSeconds: 125 })).toMatch(/^epoch 1\/3 \[#####\.{15}\] 12\/48 .* ETA 0:00 \(run 2:05\)  loss/);
    const first = progress.find((p) => p.epoch === 0)!;
    expect(first.runEtaSeconds!).toBeGreaterThan(first.etaSeconds);
    model.dispose();
  });

  it('an interrupted run resumed with --resume ends exactly as an uninterrupted one', async () => {
    const a = cnn();
    const full = await trainClassifier({ ...common, model: a, outDir: join(dir, 'full') });
    const b = cnn();
    const controller = new AbortController();
    const out = join(dir, 'cut');
    const first = await trainClassifier({ ...common, model: b, outDir: out, signal: controller.signal, onStep: (s) => { if (s === 8) controller.abort(); } });
    expect(first.interrupted).toBe(true);
    expect(first.globalStep).toBe(8);
    expect(first.history.length).toBe(1);
    const sidecar = JSON.parse(readFileSync(join(out, 'last.json'), 'utf8'));
    expect(sidecar.position).toMatchObject({ epoch: 1, batch: 2, globalStep: 8 });
    b.dispose();
    const c = cnn();
    const resumed = await trainClassifier({ ...common, model: c, outDir: out, resume: true });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.globalStep).toBe(18);
    const pa = a.namedParameters();
    const pc = c.namedParameters();
    pa.forEach(([name, p], i) => expect(bytes(pc[i][1]), name).toEqual(bytes(p)));
    expect(stable(resumed.history)).toEqual(stable(full.history));
    expect(resumed.test).toEqual(full.test);
    await expect(trainClassifier({ ...common, batchSize: 4, model: c, outDir: out, resume: true })).rejects.toThrowError(/used batchSize = 8, this one 4/);
    await expect(trainClassifier({ ...common, model: c, outDir: join(dir, 'none'), resume: true })).rejects.toThrowError(/nothing to resume/);
    a.dispose();
    c.dispose();
  });

  it('trains the Perceiver too (tiny configuration), and evaluate() restores the mode', async () => {
    const model = new PerceiverFusion({
      modalities: [{ name: 'a', channels: 4, axes: [4, 4], bands: 2 }, { name: 'b', channels: 8, axes: [8], bands: 2 }],
      classes: 3, numLatents: 4, latentDim: 16, crossDimHead: 8, latentHeads: 2, latentDimHead: 8, fusionHeads: 2, fusionDimHead: 8, ffMult: 2,
    }, { rng: 3 });
    const result = await trainClassifier({ ...common, epochs: 4, model, optimizer: { kind: 'adam', lr: 3e-3 } });
    expect(result.history[3].trainLoss).toBeLessThan(result.history[0].trainLoss);
    expect(result.test!.accuracy).toBeGreaterThan(0.5);
    model.train();
    await evaluate(model, val, { batchSize: 10 });
    expect(model.training).toBe(true);
    model.dispose();
  });

  it('selectModalities keeps the samples and only the named inputs', () => {
    const only = selectModalities(train, ['b']);
    expect(Object.keys(only.inputs)).toEqual(['b']);
    expect(only.labels).toBe(train.labels);
    expect(only.inputs.b).toBe(train.inputs.b);
    expect(() => selectModalities(train, ['c'])).toThrowError(/modalities of toy \(a, b\)/);
  });
});
