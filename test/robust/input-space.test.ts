import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { PerceiverFusion } from '../../src/nn/index.js';
import { fgsmEp, fgsmMep, fgsmPco, fgsmRs, type FastAtAttack } from '../../src/attacks/index.js';
import { inputProbe } from '../../src/robust/probe.js';
import { aggregateVulnerability } from '../../src/robust/aggregate.js';
import { robustStep } from '../../src/robust/robust-step.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { host, maxAbs, setAt, tinyAvConfig } from './tiny-setup.js';

const tiny = tinyAvConfig;
const P = { dtype: 'float64' as const };

checkNoLeaks();

/** Inputs in [0, 1] (so that value ranges matter). */
function batch(b = 3): { x: Record<string, vm.Tensor>; y: vm.Tensor } {
  return {
    x: { video: vm.rand([b, 2, 2, 3], { seed: 1, ...P }), audio: vm.rand([b, 3, 5], { seed: 2, ...P }) },
    y: vm.tensor(Array.from({ length: b }, (_, i) => i % 4), [b], { dtype: 'int32' }),
  };
}

describe('inputProbe', () => {
  it('equals the L2 norm of the finite-difference gradient of the batch-mean CE w.r.t. each input, per sample', () => {
    const model = new PerceiverFusion(tiny, { rng: 3, ...P });
    const { x, y } = batch();
    vm.tidy(() => {
      const V = inputProbe(model, x, y, { createGraph: false });
      expect(V.shape).toEqual([3, 2]);
      const L = (xx: Record<string, vm.Tensor>): number => vm.noGrad(() => vm.tidy(() => vm.crossEntropy(model.forward(xx), y).dataSync()[0]));
      const h = 1e-5;
      model.modalities.forEach((m, k) => {
        const base = Float64Array.from(x[m].dataSync() as Float64Array);
        const per = base.length / 3;
        const sq = [0, 0, 0];
        for (let i = 0; i < base.length; i++) {
          const at = (d: number): number => vm.tidy(() => {
            const c = Float64Array.from(base);
            c[i] += d;
            return L({ ...x, [m]: vm.tensor(c, [...x[m].shape], P) });
          });
          const g = (at(h) - at(-h)) / (2 * h);
          sq[Math.floor(i / per)] += g * g;
        }
        const v = host(V);
        for (let b = 0; b < 3; b++) {
          expect(Math.sqrt(sq[b])).toBeGreaterThan(1e-6);
          expect(v[b * 2 + k]).toBeCloseTo(Math.sqrt(sq[b]), 8);
        }
      });
      expect(() => inputProbe(model, { video: x.video } as Record<string, vm.Tensor>, y)).toThrowError(/inputProbe.*inputs\.audio/s);
    });
    vm.dispose([x.video, x.audio, y]);
    model.dispose();
  });

  it('double backprop: d(alpha R)/d theta matches finite differences of the penalty for encoder and fusion weights; the encoder does get a gradient', () => {
    const model = new PerceiverFusion(tiny, { rng: 4, ...P });
    const { x, y } = batch();
    const R = (): number => vm.tidy(() => aggregateVulnerability(inputProbe(model, x, y, { createGraph: false })).mul(1000).dataSync()[0]);
    vm.tidy(() => aggregateVulnerability(inputProbe(model, x, y)).mul(1000).backward());
    const enc = model.encoderParameters();
    const fus = model.fusionParameters();
    const checked = [enc[0], enc[Math.floor(enc.length / 2)], enc[enc.length - 1], fus[0], fus[fus.length - 1], ...model.headParameters()];
    let nonzeroEnc = 0;
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
        if (enc.includes(p) && Math.abs(g[i]) > 1e-6) nonzeroEnc++;
      }
    }
    expect(nonzeroEnc).toBeGreaterThan(3);
    model.zeroGrad();
    vm.dispose([x.video, x.audio, y]);
    model.dispose();
  });
});

describe("robustStep space: 'input'", () => {
  const grads = (model: PerceiverFusion): number[][] => model.parameters().map((p) => (p.grad ? host(p.grad) : []));

  it('alpha = 0 equals the input-space Avg step exactly; the penalty changes encoder gradients too (unlike the latent form)', () => {
    const { x, y } = batch();
    const run = (at: 'varmat' | 'avg', alpha: number): { g: number[][]; enc: number[][]; r: ReturnType<typeof robustStep> } => {
      const model = new PerceiverFusion(tiny, { rng: 5, ...P });
      const atk = fgsmRs({ seed: 9, space: 'input', eps: 0.05, ranges: [0, 1] });
      const r = robustStep(model, atk, x, y, [0, 1, 2], 0, { at, alpha, space: 'input' });
      const out = { g: grads(model), enc: model.encoderParameters().map((p) => host(p.grad!)), r };
      atk.dispose();
      model.dispose();
      return out;
    };
    const avg = run('avg', 1000);
    const zero = run('varmat', 0);
    const full = run('varmat', 1000);
    expect(zero.g).toEqual(avg.g);
    expect(zero.r).toEqual(avg.r);
    expect(full.r.penalty).toBeGreaterThan(0);
    expect(full.r.loss).toBeCloseTo(full.r.ce + full.r.penalty, 12);
    expect(full.r.vulnerability).toEqual(avg.r.vulnerability);
    expect(full.enc).not.toEqual(avg.enc);
    vm.dispose([x.video, x.audio, y]);
  });

  it('the attack runs in input space: delta within (eps / K) ||x_m||, x + delta inside the value range; a latent-form attack is moved to input space', () => {
    const { x, y } = batch(4);
    for (const given of ['input', 'latent-form'] as const) {
      const model = new PerceiverFusion(tiny, { rng: 6, ...P });
      const atk = given === 'input' ? fgsmRs({ seed: 3, space: 'input', eps: 0.3, ranges: [0, 1] }) : fgsmRs({ seed: 3, eps: 0.3 });
      const seen: Array<{ space: string; ok: boolean; moved: boolean }> = [];
      const original = atk.step.bind(atk);
      atk.step = (mdl, values, labels, indices, epoch, options) => {
        const s = original(mdl, values, labels, indices, epoch, options);
        vm.tidy(() => {
          let ok = true;
          let moved = false;
          for (const m of mdl.modalities) {
            expect(values[m].shape).toEqual(x[m].shape);   // inputs, not latents
            const d = host(vm.rowNorms(s.delta[m], 2));
            const r = host(vm.rowNorms(values[m], 2)).map((n) => 0.15 * n);
            d.forEach((di, b) => { ok &&= di <= r[b] * (1 + 1e-9); moved ||= di > 0.5 * r[b]; });
            const adv = host(values[m].add(s.delta[m]));
            ok &&= adv.every((a) => a >= -1e-12 && a <= 1 + 1e-12);
          }
          seen.push({ space: options?.threat?.space ?? atk.threat.space, ok, moved });
        });
        return s;
      };
      const r = robustStep(model, atk, x, y, [0, 1, 2, 3], 0, { at: 'varmat', space: 'input', ranges: [0, 1] });
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(seen).toEqual([{ space: 'input', ok: true, moved: true }]);
      atk.dispose();
      model.dispose();
    }
    vm.dispose([x.video, x.audio, y]);
  });

  it('EP, MEP and PCO run in input space over two epochs (L-inf original form and relative L2), with the vulnerability budget too', () => {
    const { x, y } = batch(4);
    const model = new PerceiverFusion(tiny, { rng: 7, ...P });
    const attacks: FastAtAttack[] = [
      fgsmEp({ form: 'original', eps: 0.05, ranges: [0, 1], seed: 1 }),
      fgsmMep({ space: 'input', eps: 0.05, seed: 2 }),
      fgsmPco({ space: 'input', eps: 0.05, ranges: [0, 1], seed: 3 }),
    ];
    for (const atk of attacks) {
      for (const epoch of [0, 1]) {
        const r = robustStep(model, atk, x, y, [0, 1, 2, 3], epoch, { at: 'varmat', space: 'input', budget: 'vulnerability' });
        expect(Number.isFinite(r.loss)).toBe(true);
        expect(r.budgetShares!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
        model.zeroGrad();
      }
      atk.dispose();
    }
    model.dispose();
    vm.dispose([x.video, x.audio, y]);
  });

  it('refuses what has no input-space meaning, naming the option', () => {
    const { x, y } = batch();
    const model = new PerceiverFusion(tiny, { rng: 8, ...P });
    const latent = fgsmRs();
    const input = fgsmRs({ space: 'input' });
    const step = (atk: FastAtAttack, o: object): unknown => robustStep(model, atk, x, y, [0, 1, 2], 0, { at: 'varmat', ...o });
    expect(() => step(latent, { space: 'input', probeForm: 'dual' })).toThrowError(/robustStep.*probeForm.*'gradient' with space 'input'.*dual/s);
    expect(() => step(latent, { space: 'input', hiddenExtraGradient: true })).toThrowError(/robustStep.*hiddenExtraGradient/s);
    expect(() => step(input, {})).toThrowError(/robustStep.*attack.*latent-space attack.*input space/s);
    expect(() => step(latent, { ranges: [0, 1] })).toThrowError(/robustStep.*ranges.*only with space 'input'/s);
    expect(() => step(latent, { space: 'pixels' })).toThrowError(/robustStep.*space.*'latent' or 'input'.*pixels/s);
    expect(() => step(latent, { space: 'input' })).not.toThrow();
    expect(maxAbs(host(model.encoderParameters()[0].grad!))).toBeGreaterThan(0);
    model.dispose();
    vm.dispose([x.video, x.audio, y]);
  });
});
