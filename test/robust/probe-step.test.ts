import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { PerceiverFusion } from '../../src/nn/index.js';
import { fgsmEp, fgsmRs } from '../../src/attacks/index.js';
import { aggregateVulnerability, probe, robustStep } from '../../src/robust/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { host, maxAbs, setAt, tinyAvConfig } from './tiny-setup.js';

const tiny = tinyAvConfig;
const P = { dtype: 'float64' as const };

checkNoLeaks();

function batch(b = 3): { x: Record<string, vm.Tensor>; y: vm.Tensor } {
  return {
    x: { video: vm.randn([b, 2, 2, 3], { seed: 1, ...P }), audio: vm.randn([b, 3, 5], { seed: 2, ...P }) },
    y: vm.tensor(Array.from({ length: b }, (_, i) => i % 4), [b], { dtype: 'int32' }),
  };
}

describe('probe', () => {
  it('equals the L2 norm of the finite-difference gradient of the batch-mean CE per sample and modality', () => {
    const model = new PerceiverFusion(tiny, { rng: 3, ...P });
    const { x, y } = batch();
    vm.tidy(() => {
      const z = vm.noGrad(() => model.encode(x));
      const V = probe(model, z, y, { createGraph: false });
      expect(V.shape).toEqual([3, 2]);
      const L = (zz: Record<string, vm.Tensor>): number => vm.noGrad(() => vm.tidy(() => vm.crossEntropy(model.fuse(zz), y).dataSync()[0]));
      const h = 1e-5;
      model.modalities.forEach((m, k) => {
        const base = Float64Array.from(z[m].dataSync() as Float64Array);
        const per = base.length / 3;
        const sq = [0, 0, 0];
        for (let i = 0; i < base.length; i++) {
          const at = (d: number): number => vm.tidy(() => {
            const c = Float64Array.from(base);
            c[i] += d;
            return L({ ...z, [m]: vm.tensor(c, [...z[m].shape], P) });
          });
          const g = (at(h) - at(-h)) / (2 * h);
          sq[Math.floor(i / per)] += g * g;
        }
        const v = host(V);
        for (let b = 0; b < 3; b++) expect(v[b * 2 + k]).toBeCloseTo(Math.sqrt(sq[b]), 7);
      });
      // Columns follow model.modalities (sorted): audio then video; the dual form scales by (eps/K)||z||.
      expect(model.modalities).toEqual(['audio', 'video']);
      const D = probe(model, z, y, { form: 'dual', eps: 0.5, createGraph: false });
      const zn = host(vm.rowNorms(z.video, 2));
      for (let b = 0; b < 3; b++) expect(host(D)[b * 2 + 1]).toBeCloseTo(host(V)[b * 2 + 1] * 0.25 * zn[b], 10);
    });
    vm.dispose([x.video, x.audio, y]);
    model.dispose();
  });

  it('aggregations: sum / B, max, softmax with temperature', () => {
    vm.tidy(() => {
      const V = vm.tensor([[1, 3], [2, 2]], [2, 2], P);
      expect(aggregateVulnerability(V, 'sum').dataSync()[0]).toBeCloseTo(4, 12);
      expect(aggregateVulnerability(V, 'max').dataSync()[0]).toBeCloseTo(2.5, 12);
      const w = 1 / (1 + Math.exp(-2 / 0.5));
      expect(aggregateVulnerability(V, 'softmax', 0.5).dataSync()[0]).toBeCloseTo(((1 - w) * 1 + w * 3 + 2) / 2, 12);
      expect(() => aggregateVulnerability(V, 'softmax', 0)).toThrowError(/temperature/);
    });
  });
});

describe('regularizer', () => {
  it('double backprop: d(alpha R)/d fusion and head weights match finite differences of the penalty; the encoder gets nothing', () => {
    const model = new PerceiverFusion(tiny, { rng: 4, ...P });
    const { x, y } = batch();
    const z = vm.noGrad(() => model.encode(x));
    const R = (): number => vm.tidy(() => aggregateVulnerability(probe(model, z, y, { createGraph: false })).mul(1000).dataSync()[0]);
    vm.tidy(() => {
      const z2 = model.encode(x);    // with history: must still give the encoder no gradient
      aggregateVulnerability(probe(model, z2, y)).mul(1000).backward();
    });
    for (const p of model.encoderParameters()) expect(p.grad === null || maxAbs(host(p.grad)) === 0).toBe(true);
    const checked = [...model.fusionParameters().slice(0, 3), ...model.fusionParameters().slice(-2), ...model.headParameters()];
    let nonzero = 0;
    for (const p of checked) {
      const g = host(p.grad!);
      const base = Float64Array.from(p.value.dataSync() as Float64Array);
      for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
        const h = 1e-6;
        setAt(p, i, base[i] + h);
        const up = R();
        setAt(p, i, base[i] - h);
        const down = R();
        setAt(p, i, base[i]);
        const fd = (up - down) / (2 * h);
        expect(Math.abs(g[i] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
        if (Math.abs(g[i]) > 1e-8) nonzero++;
      }
    }
    expect(nonzero).toBeGreaterThan(5);
    model.zeroGrad();
    vm.dispose([x.video, x.audio, y, ...Object.values(z)]);
    model.dispose();
  });
});

describe('robustStep', () => {
  const grads = (model: PerceiverFusion): number[][] => model.parameters().map((p) => (p.grad ? host(p.grad) : []));

  it('Avg equals VARMAT with alpha = 0 exactly; VARMAT changes only fusion/head gradients', () => {
    const { x, y } = batch();
    const run = (at: 'varmat' | 'avg', alpha: number, extra = false): { g: number[][]; enc: number[][]; r: ReturnType<typeof robustStep> } => {
      const model = new PerceiverFusion(tiny, { rng: 5, ...P });
      const atk = fgsmRs({ seed: 9 });
      const r = robustStep(model, atk, x, y, [0, 1, 2], 0, { at, alpha, hiddenExtraGradient: extra });
      const out = { g: grads(model), enc: model.encoderParameters().map((p) => host(p.grad!)), r };
      atk.dispose();
      model.dispose();
      return out;
    };
    const avg = run('avg', 1000);
    const zero = run('varmat', 0);
    const full = run('varmat', 1000);
    const hidden = run('avg', 1000, true);
    expect(zero.g).toEqual(avg.g);
    expect(zero.r.ce).toBe(avg.r.ce);
    expect(avg.r.penalty).toBe(0);
    expect(full.r.penalty).toBeGreaterThan(0);
    expect(full.r.loss).toBeCloseTo(full.r.ce + full.r.penalty, 12);
    expect(full.r.vulnerability).toHaveLength(2);
    expect(avg.r.vulnerability).toEqual(full.r.vulnerability);
    // The penalty (and the hidden extra gradient) leave the encoder's gradient unchanged; they change the fusion's.
    expect(full.enc).toEqual(avg.enc);
    expect(hidden.enc).toEqual(avg.enc);
    expect(full.g).not.toEqual(avg.g);
    expect(hidden.g).not.toEqual(avg.g);
    vm.dispose([x.video, x.audio, y]);
  });

  it('runs with a memory attack over two epochs and validates options', () => {
    const model = new PerceiverFusion(tiny, { rng: 6, ...P });
    const { x, y } = batch();
    const atk = fgsmEp({ seed: 1 });
    for (const epoch of [0, 1]) {
      const r = robustStep(model, atk, x, y, [4, 5, 6], epoch, { at: 'varmat' });
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.samples).toBe(3);
      model.zeroGrad();
    }
    expect(() => robustStep(model, atk, x, y, [4, 5, 6], 0, { at: 'nope' as 'avg' })).toThrowError(/at/);
    expect(() => robustStep(model, atk, x, y, [4, 5, 6], 0, { at: 'varmat', alpha: -1 })).toThrowError(/alpha/);
    atk.dispose();
    vm.dispose([x.video, x.audio, y]);
    model.dispose();
  });
});
