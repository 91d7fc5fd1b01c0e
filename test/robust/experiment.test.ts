import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentMarkdown, pairedGains, runExperiment, stat, summarizeCells, type ExperimentCell, type ExperimentProtocol } from '../../src/robust/index.js';
import { EXPERIMENT_PRESETS, parseExperimentArgs } from '../../src/cli/experiment-command.js';
import type { ModelSpec } from '../../src/train/model-factory.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { tinyToyConfig, toyDataset } from './tiny-setup.js';

checkNoLeaks();
const dir = mkdtempSync(join(tmpdir(), 'varmat-experiment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = (method: string, attack: string, seed: number, clean: number, robust: number): ExperimentCell => ({
  method, attack, seed, cleanAccuracy: clean, robust: [{ eps: 0.2, robustAccuracy: robust }], vulnerability: { a: seed + 1, b: 2 * (seed + 1) }, epoch: 0, seconds: 1,
});

describe('experiment table', () => {
  it('gives the mean and sample standard deviation', () => {
    expect(stat([1, 2, 3])).toEqual({ mean: 2, sd: 1, n: 3 });
    expect(stat([5])).toEqual({ mean: 5, sd: 0, n: 1 });
    expect(stat([]).n).toBe(0);
  });

  it('summarises per (attack, method) and pairs VARMAT with Avg by seed', () => {
    const cells = [
      cell('avg', 'fgsm-rs', 0, 0.9, 0.1), cell('varmat', 'fgsm-rs', 0, 0.8, 0.3),
      cell('avg', 'fgsm-rs', 1, 0.7, 0.2), cell('varmat', 'fgsm-rs', 1, 0.8, 0.2),
      cell('varmat', 'fgsm-rs', 2, 0.5, 0.5), // no Avg partner: in the rows, not in the gains
    ];
    const rows = summarizeCells(cells, ['fgsm-rs', 'fgsm-ep'], ['avg', 'varmat']);
    expect(rows.map((r) => [r.attack, r.method, r.seeds])).toEqual([['fgsm-rs', 'avg', [0, 1]], ['fgsm-rs', 'varmat', [0, 1, 2]]]);
    expect(rows[0].clean.mean).toBeCloseTo(0.8, 12);
    expect(rows[0].clean.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(rows[1].robust[0].stat.mean).toBeCloseTo(1 / 3, 12);
    expect(rows[1].vulnerability.b.mean).toBeCloseTo(4, 12);
    const [g] = pairedGains(cells, ['fgsm-rs'], 0.2);
    expect(g.pairs).toBe(2);
    expect(g.robust.mean).toBeCloseTo(0.1, 12);       // (+0.2 + 0.0) / 2
    expect(g.robust.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(g.clean.mean).toBeCloseTo(0, 12);          // (-0.1 + 0.1) / 2
    const md = experimentMarkdown(cells, { attacks: ['fgsm-rs'], methods: ['avg', 'varmat'], eps: 0.2 });
    expect(md).toContain('| fgsm-rs | avg | 2 | 80.0 ± 14.1 | 15.0 ± 7.1 |');
    expect(md).toContain('| fgsm-rs | 2 | +10.0 ± 14.1 | +0.0 ± 14.1 |');
  });
});

describe('runExperiment', () => {
  const modelSpec = { kind: 'perceiver', config: tinyToyConfig } as unknown as ModelSpec;
  const data = { train: toyDataset(24, 1), val: toyDataset(12, 2), test: toyDataset(12, 3) };
  const protocol: ExperimentProtocol = {
    data: 'toy', model: 'perceiver', seeds: [4], attacks: ['fgsm-rs', 'fgsm-ep'], methods: ['avg', 'varmat'],
    cleanTrainSize: 24, cleanEpochs: 2, sharedClean: false, trainSize: 18, epochs: 2, valSize: 12, testSize: 12, batchSize: 6,
    lr: 0.01, weightDecay: 1e-3, eps: 0.05, alpha: 10, evalEps: 0.2, evalSteps: 3, extraEps: [0.05],
  };
  const files = (runs: string): string[] => ['avg-fgsm-rs-s4', 'varmat-fgsm-rs-s4', 'avg-fgsm-ep-s4', 'varmat-fgsm-ep-s4'].map((c) => join(runs, c, 'cell.json'));

  it('runs the grid, skips finished cells, resumes an interrupted one exactly, and refuses a changed protocol', async () => {
    // Uninterrupted reference run.
    const full = await runExperiment({ protocol, data, modelSpec, runsDir: join(dir, 'full'), resultsDir: join(dir, 'full-results') });
    expect(full).toMatchObject({ remaining: 0, interrupted: false });
    expect(full.cells).toHaveLength(4);
    for (const c of full.cells) {
      expect(c.robust.map((r) => r.eps)).toEqual([0.05, 0.2]);
      expect(c.robust[1].robustAccuracy).toBeLessThanOrEqual(c.cleanAccuracy);
      expect(c.vulnerability.a).toBeGreaterThan(0);
    }
    for (const f of ['results.json', 'results.md', 'report.html']) expect(existsSync(join(dir, 'full-results', f))).toBe(true);
    expect(readFileSync(join(dir, 'full-results', 'results.md'), 'utf8')).toContain('| fgsm-ep | varmat | 1 |');
    expect(readFileSync(join(dir, 'full-results', 'report.html'), 'utf8')).toContain('<svg');

    // Interrupted after the first epoch of the third cell, then continued.
    const runs = join(dir, 'split');
    const controller = new AbortController();
    const first = await runExperiment({
      protocol, data, modelSpec, runsDir: runs, resultsDir: join(dir, 'split-results'), signal: controller.signal,
      onEpoch: (stage) => { if (stage === 'avg-fgsm-ep-s4') controller.abort(); },
    });
    expect(first).toMatchObject({ interrupted: true, remaining: 2 });
    expect(existsSync(join(runs, 'avg-fgsm-ep-s4', 'last.safetensors'))).toBe(true);
    const before = statSync(files(runs)[0]).mtimeMs;
    const events: string[] = [];
    const second = await runExperiment({ protocol, data, modelSpec, runsDir: runs, resultsDir: join(dir, 'split-results'), onStage: (e) => events.push(`${e.stage} ${e.status}`) });
    expect(second).toMatchObject({ interrupted: false, remaining: 0 });
    expect(events.slice(0, 4)).toEqual(['clean-s4 skip', 'avg-fgsm-rs-s4 skip', 'varmat-fgsm-rs-s4 skip', 'avg-fgsm-ep-s4 resume']);
    expect(statSync(files(runs)[0]).mtimeMs).toBe(before);
    const strip = (c: ExperimentCell): Omit<ExperimentCell, 'seconds'> => { const { seconds: _, ...rest } = c; return rest; };
    expect(second.cells.map(strip)).toEqual(full.cells.map(strip));

    await expect(runExperiment({ protocol: { ...protocol, trainSize: 12 }, data, modelSpec, runsDir: runs, resultsDir: join(dir, 'x') }))
      .rejects.toThrowError(/another protocol \(trainSize: 18 there, 12 now\)/);
  }, 120_000);

  it('shares the first seed\'s clean model when asked', async () => {
    const events: string[] = [];
    const r = await runExperiment({
      protocol: { ...protocol, seeds: [4, 5], attacks: ['fgsm-rs'], methods: ['avg'], sharedClean: true }, data, modelSpec,
      runsDir: join(dir, 'shared'), resultsDir: join(dir, 'shared-results'), onStage: (e) => events.push(`${e.stage} ${e.status}`),
    });
    expect(r.cells.map((c) => c.seed)).toEqual([4, 5]);
    expect(events).toEqual(['clean-s4 start', 'clean-s4 done', 'avg-fgsm-rs-s4 start', 'avg-fgsm-rs-s4 done', 'avg-fgsm-rs-s5 start', 'avg-fgsm-rs-s5 done']);
    expect(existsSync(join(dir, 'shared', 'clean-s5'))).toBe(false);
    expect(readFileSync(join(dir, 'shared', 'avg-fgsm-rs-s5', 'last.json'), 'utf8')).toContain('clean-s4');
  }, 60_000);

  it('checks its options', async () => {
    await expect(runExperiment({ protocol: { ...protocol, attacks: ['pgd' as 'fgsm-rs'] }, data, modelSpec, runsDir: join(dir, 'bad'), resultsDir: join(dir, 'bad') }))
      .rejects.toThrowError(/protocol.attacks.*pgd/);
    await expect(runExperiment({ protocol: { ...protocol, testSize: 50 }, data, modelSpec, runsDir: join(dir, 'bad'), resultsDir: join(dir, 'bad') }))
      .rejects.toThrowError(/data.test.*at least 50/);
  });
});

describe('varmat experiment', () => {
  it('parses flags over the dataset preset', () => {
    const a = parseExperimentArgs(['avmnist', '--seeds', '0,1', '--attacks', 'fgsm-rs,fgsm-pco', '--train', '500', '--extra-eps', '0.05,0.2', '--clean-per-seed']);
    expect(a.protocol).toEqual({ ...EXPERIMENT_PRESETS.avmnist, seeds: [0, 1], attacks: ['fgsm-rs', 'fgsm-pco'], trainSize: 500, extraEps: [0.05], sharedClean: false });
    expect([a.runs, a.results, a.threads]).toEqual(['runs/experiment-avmnist', 'runs/experiment-avmnist/results', null]);
    expect(parseExperimentArgs(['avmnist-synth', '--threads', '2']).threads).toBe(2);
    expect(() => parseExperimentArgs(['avmnist', '--threads', '0'])).toThrowError(/--threads.*>= 1/);
    expect(() => parseExperimentArgs(['mosei'])).toThrowError(/'avmnist' or 'avmnist-synth'.*'mosei'/);
    expect(() => parseExperimentArgs(['avmnist', '--attacks', 'fgsm-rs,pgd'])).toThrowError(/--attacks/);
    expect(() => parseExperimentArgs(['avmnist', '--seeds', '1.5'])).toThrowError(/--seeds/);
    expect(() => parseExperimentArgs(['avmnist', '--bogus'])).toThrowError(/bogus/);
  });
});
