import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { PerceiverFusion } from '../../src/nn/index.js';
import { fgsmEp, fgsmMep } from '../../src/attacks/index.js';
import { trainRobust } from '../../src/robust/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { tinyToyConfig, toyDataset } from './tiny-setup.js';

const tiny = tinyToyConfig;

checkNoLeaks();
const dir = mkdtempSync(join(tmpdir(), 'varmat-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const toy = toyDataset;

describe('trainRobust', () => {
  const train = toy(24, 1);
  const val = toy(12, 2);
  const common = { train, val, test: val, batchSize: 6, seed: 3, lr: 0.01, evalSteps: 3 };

  it('logs clean/robust accuracy and per-modality vulnerability, keeps the best, and learns', async () => {
    const model = new PerceiverFusion(tiny, { rng: 1 });
    const attack = fgsmEp({ seed: 0 });
    const out = join(dir, 'a');
    const r = await trainRobust({ ...common, model, attack, step: { at: 'varmat', alpha: 10 }, epochs: 3, outDir: out });
    expect(r.history).toHaveLength(3);
    for (const h of r.history) {
      expect(Object.keys(h.vulnerability)).toEqual(['a', 'b']);
      expect(h.vulnerability.a).toBeGreaterThan(0);
      expect(h.trainPenalty).toBeGreaterThan(0);
      expect(h.valRobustAccuracy!).toBeLessThanOrEqual(h.valCleanAccuracy!);
    }
    expect(r.history[2].trainCe).toBeLessThan(r.history[0].trainCe);
    expect(r.best).not.toBeNull();
    expect(r.test!.epoch).toBe(r.best!.epoch);
    expect(existsSync(join(out, 'best.safetensors'))).toBe(true);
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    expect(log.epochs).toHaveLength(3);
    expect(log.run.at).toBe('varmat');
    attack.dispose();
    model.dispose();
  });

  it('resumes exactly, memory banks included (MEP)', async () => {
    const full = new PerceiverFusion(tiny, { rng: 2 });
    const atkFull = fgsmMep({ seed: 0 });
    const r1 = await trainRobust({ ...common, test: null, model: full, attack: atkFull, step: { at: 'varmat', alpha: 10 }, epochs: 3, outDir: join(dir, 'full') });
    const part = new PerceiverFusion(tiny, { rng: 2 });
    const atkPart = fgsmMep({ seed: 0 });
    await trainRobust({ ...common, test: null, model: part, attack: atkPart, step: { at: 'varmat', alpha: 10 }, epochs: 2, outDir: join(dir, 'part') });
    const resumed = new PerceiverFusion(tiny, { rng: 99 });
    const atkResumed = fgsmMep({ seed: 5 });
    const r2 = await trainRobust({ ...common, test: null, model: resumed, attack: atkResumed, step: { at: 'varmat', alpha: 10 }, epochs: 3, outDir: join(dir, 'part'), resume: true });
    const strip = (h: typeof r1.history): unknown[] => h.map(({ seconds: _s, samplesPerSec: _r, ...rest }) => rest);
    expect(strip(r2.history)).toEqual(strip(r1.history));
    const w1 = full.parameters().map((p) => Array.from(p.value.dataSync()));
    const w2 = resumed.parameters().map((p) => Array.from(p.value.dataSync()));
    expect(w2).toEqual(w1);
    for (const x of [atkFull, atkPart, atkResumed]) x.dispose();
    for (const m of [full, part, resumed]) m.dispose();
  });
});
