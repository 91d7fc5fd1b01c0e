import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { PerceiverFusion } from '../../src/nn/index.js';
import { makeTrainingAttack, parseVarmatTrainArgs } from '../../src/cli/varmat-train-command.js';
import { trainRobust } from '../../src/robust/train-robust.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { tinyToyConfig } from './tiny-setup.js';

const base = ['--data', 'avmnist-synth', '--out', 'o'];

describe('varmat train --budget / --space / --input-range', () => {
  it('parse into the step options; the faithful defaults leave the step unchanged', () => {
    expect(parseVarmatTrainArgs(['--at', 'varmat', ...base]).step).not.toHaveProperty('budget');
    expect(parseVarmatTrainArgs(['--at', 'varmat', '--budget', 'equal', '--space', 'latent', ...base]).step).toEqual(parseVarmatTrainArgs(['--at', 'varmat', ...base]).step);
    const a = parseVarmatTrainArgs(['--at', 'avg', '--budget', 'vulnerability', '--space', 'input', '--input-range', '-1,1', ...base]);
    expect(a.step).toMatchObject({ at: 'avg', budget: 'vulnerability', space: 'input', ranges: [-1, 1] });
  });

  it('rejects bad values and combinations with typed errors naming the flag', () => {
    const p = (...f: string[]): unknown => parseVarmatTrainArgs(['--at', 'varmat', ...f, ...base]);
    expect(() => p('--budget', 'half')).toThrowError(/--budget.*'equal' or 'vulnerability'.*half/s);
    expect(() => p('--space', 'pixels')).toThrowError(/--space.*'latent' or 'input'.*pixels/s);
    expect(() => p('--space', 'input', '--input-range', '1,0')).toThrowError(/--input-range.*LO < HI/s);
    expect(() => p('--space', 'input', '--input-range', '0')).toThrowError(/--input-range/);
    expect(() => p('--input-range', '0,1')).toThrowError(/--input-range.*--space input/s);
    expect(() => p('--space', 'input', '--hidden-extra-gradient')).toThrowError(/--hidden-extra-gradient/);
    expect(() => p('--space', 'input', '--probe', 'dual')).toThrowError(/--probe/);
  });
});

describe('trainRobust with the beyond-the-paper step options', () => {
  checkNoLeaks();
  const dir = mkdtempSync(join(tmpdir(), 'varmat-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tiny = tinyToyConfig;
  function toy(n: number, seed: number): Dataset {
    const rng = new vm.Rng(seed);
    const a = new Float32Array(n * 12);
    const b = new Float32Array(n * 15);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let j = 0; j < 12; j++) a[i * 12 + j] = Math.min(1, Math.max(0, 0.5 + 0.2 * rng.normal() + (j % 3 === i % 3 ? 0.3 : 0)));
      for (let j = 0; j < 15; j++) b[i * 15 + j] = Math.min(1, Math.max(0, 0.5 + 0.2 * rng.normal()));
    }
    return new Dataset({ name: 'toy', classes: 3, labels, inputs: { a: { data: a, shape: [n, 4, 3] }, b: { data: b, shape: [n, 3, 5] } } });
  }

  it('input-space VARMAT with the vulnerability budget trains through the CLI-built attack (EP, two epochs) and logs V per modality', async () => {
    const v = parseVarmatTrainArgs(['--at', 'varmat', '--attack', 'fgsm-ep', '--eps', '0.05', '--alpha', '10', '--budget', 'vulnerability', '--space', 'input', '--input-range', '0,1', ...base]);
    const model = new PerceiverFusion(tiny, { rng: 1 });
    const attack = makeTrainingAttack(v, 0);
    const train = toy(12, 1);
    const r = await trainRobust({ model, attack, step: v.step, train, val: toy(6, 2), test: null, epochs: 2, batchSize: 6, seed: 0, lr: 0.01, evalSteps: 2, outDir: join(dir, 'in') });
    expect(r.history).toHaveLength(2);
    for (const e of r.history) {
      expect(Number.isFinite(e.trainLoss)).toBe(true);
      expect(e.trainPenalty).toBeGreaterThan(0);
      expect(Object.keys(e.vulnerability)).toEqual(['a', 'b']);
    }
    attack.dispose();
    model.dispose();
  });
});
