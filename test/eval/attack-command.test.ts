import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as vm from '../../src/index.js';
import { saveCheckpoint, type JsonValue } from '../../src/checkpoint/checkpoint.js';
import { buildModel, type ModelSpec } from '../../src/train/model-factory.js';
import { attackCommand, parseAttackArgs, type AttackCommandResult } from '../../src/cli/attack-command.js';

// `varmat attack` end to end on a small CNN checkpoint with the embedded avmnist-synth data: the JSON
// result holds the paper's robust accuracy per subset, its definitions, the gradient-masking check
// and the budget curve.

const dir = mkdtempSync(join(tmpdir(), 'varmat-attack-'));
const ckpt = join(dir, 'run', 'best.safetensors');
const spec: ModelSpec = { kind: 'cnn', config: { modalities: [{ name: 'colorlessimage', size: [28, 28] }, { name: 'audiospec', size: [28, 28] }], classes: 10, width: 2, hidden: 8 } };

beforeAll(async () => {
  await vm.init({ backend: 'wasm' });
  vm.setBackend('wasm');
  const model = buildModel(spec, { rng: 3 });
  const info = { model: spec, data: { name: 'avmnist-synth', options: { sizes: { train: 1, val: 1, test: 24 }, cache: false }, modalities: null } };
  await saveCheckpoint(ckpt, { model, info: info as unknown as JsonValue });
  model.dispose();
  vm.setBackend('reference');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let before = 0;
beforeEach(() => {
  vm.setBackend('reference');
  before = vm.memory().tensors;
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  vm.setBackend('reference');
  expect(vm.memory().tensors).toBe(before);
});

describe('varmat attack', () => {
  it('latent PGD and FGSM per modality and jointly, with the masking check, written as JSON', async () => {
    const out = join(dir, 'latent.json');
    const code = await attackCommand(['--checkpoint', join(dir, 'run'), '--attack', 'pgd,fgsm', '--space', 'latent', '--eps', '2', '--steps', '3', '--limit', '20', '--batch-size', '8', '--masking-check', '--queries', '5', '--trials', '3', '--out', out]);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as AttackCommandResult;
    expect(r.checkpoint).toBe(ckpt);
    expect(r.dataset).toBe('avmnist-synth');
    expect(r.report.samples).toBe(20);
    expect(r.report.modalities).toEqual(['audiospec', 'colorlessimage']);
    expect(r.report.results.map((e) => `${e.attack}/${e.subset}`)).toEqual([
      'pgd/audiospec', 'pgd/colorlessimage', 'pgd/joint', 'fgsm/audiospec', 'fgsm/colorlessimage', 'fgsm/joint',
      'random-noise/audiospec', 'random-noise/colorlessimage', 'random-noise/joint', 'random-search/audiospec', 'random-search/colorlessimage', 'random-search/joint',
    ]);
    const pgd = r.report.results[2];
    expect(pgd.config!.threat).toEqual({ space: 'latent', norm: 'l2', eps: 2, relative: true, split: 'equal', modalities: ['audiospec', 'colorlessimage'], ranges: null });
    expect(pgd.config!.options.steps).toBe(3);
    expect(pgd.robustCorrect).toBeLessThanOrEqual(r.report.clean.correct);
    expect(pgd.successes).toBe(pgd.successDenominator - pgd.robustCorrect);
    expect(r.report.definitions.robustAccuracy).toContain('clean prediction AND adversarial prediction');
    expect(r.report.worstCase!.length).toBe(3);
    expect(Array.isArray(r.report.warnings)).toBe(true);
    expect(r.curve).toBe(null);
  });

  it('input-space L-inf curve over budgets (pixels kept in [0, 1] for AV-MNIST)', async () => {
    const out = join(dir, 'curve.json');
    const code = await attackCommand(['--checkpoint', ckpt, '--attack', 'fgsm', '--space', 'input', '--norm', 'linf', '--eps-list', '0,0.05,0.3', '--subsets', 'joint', '--limit', '12', '--out', out]);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as AttackCommandResult;
    expect(r.curve!.points.map((p) => p.eps)).toEqual([0, 0.05, 0.3]);
    expect(r.curve!.points[0].robustAccuracy).toBe(r.report.clean.accuracy);
    expect(r.report.results[0].config!.threat.ranges).toEqual([0, 1]);
    expect(r.report.results[0].config!.threat.relative).toBe(false);
  });

  it('rejects bad arguments with OPTION errors', () => {
    const err = (args: string[]): string => {
      try {
        parseAttackArgs(args);
      } catch (e) {
        expect((e as vm.VarmatError).code).toBe('OPTION');
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(['--attack', 'pgd'])).toContain("'--checkpoint'");
    expect(err(['--checkpoint', 'x', '--attack', 'deepfool'])).toContain("'--attack'");
    expect(err(['--checkpoint', 'x', '--eps', '-1'])).toContain("'--eps'");
    expect(err(['--checkpoint', 'x', '--range', '0,1'])).toContain("'--range'");
    expect(err(['--checkpoint', 'x', '--steps', '1.5'])).toContain("'--steps'");
    expect(err(['--checkpoint', 'x', '--frobnicate'])).toContain('--frobnicate');
    expect(parseAttackArgs(['--checkpoint', 'x']).attackOptions).toEqual({ space: 'latent', norm: 'l2', eps: 0.2 });
  });
});
