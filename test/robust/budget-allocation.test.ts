import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { fgsmEp, fgsmRs, type FastAtAttack } from '../../src/attacks/index.js';
import { robustStep } from '../../src/robust/robust-step.js';
import { budgetShares, sharedBudget } from '../../src/robust/budget-allocation.js';
import { ThreatModel } from '../../src/attacks/threat-model.js';
import type { Parameter } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { TinyFusion } from './tiny-fusion.js';

checkNoLeaks();

const P = { dtype: 'float64' as const };
const host = (t: vm.Tensor): number[] => Array.from(t.dataSync(), Number);
const setParam = (p: Parameter, values: number[]): void => p.assign(vm.tensor(values, [...p.shape], P));

/** Per call of `atk.step`: per modality, the per-sample norms of delta and of the clean values. */
function recordNorms(atk: FastAtAttack): Array<Record<string, { delta: number[]; value: number[] }>> {
  const calls: Array<Record<string, { delta: number[]; value: number[] }>> = [];
  const original = atk.step.bind(atk);
  atk.step = (model, values, labels, indices, epoch, options) => {
    const s = original(model, values, labels, indices, epoch, options);
    calls.push(Object.fromEntries(model.modalities.map((m) => [m, vm.tidy(() => ({ delta: host(vm.rowNorms(s.delta[m], 2)), value: host(vm.rowNorms(values[m], 2)) }))])));
    return s;
  };
  return calls;
}

function batch(b: number, scaleB = 1): { x: Record<string, vm.Tensor>; y: vm.Tensor } {
  return {
    x: { a: vm.randn([b, 5], { seed: 11, ...P }), b: vm.tidy(() => vm.randn([b, 4], { seed: 12, ...P }).mul(scaleB)) },
    y: vm.tensor(Array.from({ length: b }, (_, i) => i % 3), [b], { dtype: 'int32' }),
  };
}

describe('budgetShares', () => {
  it('are V / sum V, sum to 1, give 0 to an invulnerable modality, and fall back to the equal split exactly', () => {
    expect(budgetShares([1, 3])).toEqual([0.25, 0.75]);
    expect(budgetShares([0, 2e-4])).toEqual([0, 1]);
    const rng = new vm.Rng(3);
    for (let t = 0; t < 20; t++) {
      const v = Array.from({ length: 2 + (t % 4) }, () => Math.abs(rng.normal()) * 10 ** (t % 5 - 3));
      const w = budgetShares(v)!;
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-15);
      w.forEach((x, i) => expect(x).toBeCloseTo(v[i] / v.reduce((a, b) => a + b, 0), 15));
    }
    expect(budgetShares([0.3, 0.3, 0.3])).toBeNull();
    expect(budgetShares([0, 0])).toBeNull();
    expect(() => budgetShares([1, -1])).toThrowError(/budgetShares.*v\[1\].*>= 0/s);
    expect(() => budgetShares([1, NaN])).toThrowError(vm.VarmatError);
    expect(() => budgetShares([])).toThrowError(/non-empty/);
  });

  it('sharedBudget keeps the total of the equal split: radius W_m eps ||z_m|| (split equal), K eps in all (split each)', () => {
    const tm = new ThreatModel({ eps: 0.01 });
    const eq = tm.with(sharedBudget(tm, ['a', 'b', 'c'], [0.2, 0.5, 0.3]));
    expect(eq.budget('a', 3)).toBeCloseTo(0.002, 15);
    expect(eq.budget('b', 3)).toBeCloseTo(0.005, 15);
    expect(eq.budget('a', 3) + eq.budget('b', 3) + eq.budget('c', 3)).toBeCloseTo(0.01, 15);
    const each = new ThreatModel({ space: 'input', norm: 'linf', eps: 0.1 });
    const w = each.with(sharedBudget(each, ['a', 'b'], [0.25, 0.75]));
    expect(w.budget('a', 2) + w.budget('b', 2)).toBeCloseTo(0.2, 15);
    expect(w.budget('a', 2)).toBeCloseTo(0.05, 15);
    expect(() => sharedBudget(tm, ['a', 'b'], [1])).toThrowError(/sharedBudget.*shares/);
    expect(() => sharedBudget(tm, ['a', 'b'], [1.5, -0.5])).toThrowError(/\[0, 1\]/);
  });
});

describe("robustStep budget: 'vulnerability'", () => {
  it('each modality gets the radius W_m eps ||z_m|| with W from the batch-mean V (varmat and avg); fails if the shares are ignored', () => {
    const { x, y } = batch(6, 3);
    for (const at of ['varmat', 'avg'] as const) {
      const model = new TinyFusion({ a: 5, b: 4 }, 6, 3, { rng: 1, ...P });
      const atk = fgsmRs({ seed: 4, eps: 0.05, stepSize: 3 });   // step 3r from the sphere: always projected back onto it
      const calls = recordNorms(atk);
      const r = robustStep(model, atk, x, y, [0, 1, 2, 3, 4, 5], 0, { at, budget: 'vulnerability' });
      const v = r.vulnerability!;
      const w = r.budgetShares!;
      expect(w).toEqual([v[0] / (v[0] + v[1]), v[1] / (v[0] + v[1])]);
      expect(Math.abs(w[0] - 0.5)).toBeGreaterThan(0.05);   // the check below could not pass with 1/K
      ['a', 'b'].forEach((m, k) => {
        const { delta, value } = calls[0][m];
        delta.forEach((d, b) => expect(Math.abs(d - w[k] * 0.05 * value[b])).toBeLessThan(1e-5 * w[k] * 0.05 * value[b]));
      });
      // The equal split's radii differ from these by a factor 2 W_m.
      const eq = fgsmRs({ seed: 4, eps: 0.05, stepSize: 3 });
      const eqCalls = recordNorms(eq);
      const re = robustStep(model, eq, x, y, [0, 1, 2, 3, 4, 5], 0, { at, budget: 'equal' });
      expect(re.budgetShares).toBeNull();
      expect(Math.abs(eqCalls[0].a.delta[0] - 0.025 * eqCalls[0].a.value[0])).toBeLessThan(1e-6);
      expect(Math.abs(eqCalls[0].a.delta[0] - calls[0].a.delta[0])).toBeGreaterThan(1e-4);
      model.dispose();
    }
    vm.dispose([x.a, x.b, y]);
  });

  it('equal vulnerabilities give exactly the equal split (bit-identical step, same seed)', () => {
    const { x, y } = batch(4);
    const xs = { a: x.a, b: x.a.slice([0, 0], [4, 5]) };
    const run = (budget: 'equal' | 'vulnerability'): { g: number[][]; r: ReturnType<typeof robustStep> } => {
      const model = new TinyFusion({ a: 5, b: 5 }, 4, 3, { rng: 2, ...P });
      // Symmetric model: the same encoder for both modalities, the same fusion columns, the same inputs.
      setParam(model.enc.b.weight, host(model.enc.a.weight.value));
      setParam(model.enc.b.bias!, host(model.enc.a.bias!.value));
      const wm = host(model.mix.weight.value);
      for (let o = 0; o < 4; o++) for (let j = 0; j < 4; j++) wm[o * 8 + 4 + j] = wm[o * 8 + j];
      setParam(model.mix.weight, wm);
      const atk = fgsmRs({ seed: 7 });
      const r = robustStep(model, atk, xs, y, [0, 1, 2, 3], 0, { at: 'varmat', budget });
      const g = model.parameters().map((p) => host(p.grad!));
      model.dispose();
      return { g, r };
    };
    const eq = run('equal');
    const pr = run('vulnerability');
    expect(pr.r.vulnerability![0]).toBe(pr.r.vulnerability![1]);
    expect(pr.r.budgetShares).toBeNull();
    expect(pr.g).toEqual(eq.g);
    expect(pr.r).toEqual(eq.r);
    vm.dispose([x.a, x.b, xs.b, y]);
  });

  it('a modality with zero vulnerability gets no budget: its delta is 0 and the other one gets the whole eps', () => {
    const { x, y } = batch(5);
    const model = new TinyFusion({ a: 5, b: 4 }, 4, 3, { rng: 3, ...P });
    const wm = host(model.mix.weight.value);
    for (let o = 0; o < 4; o++) for (let j = 4; j < 8; j++) wm[o * 8 + j] = 0;   // the fusion ignores z_b
    setParam(model.mix.weight, wm);
    const atk = fgsmRs({ seed: 1, stepSize: 3 });
    const calls = recordNorms(atk);
    const r = robustStep(model, atk, x, y, [0, 1, 2, 3, 4], 0, { at: 'varmat', budget: 'vulnerability' });
    expect(r.vulnerability![1]).toBe(0);
    expect(r.budgetShares).toEqual([1, 0]);
    expect(calls[0].b.delta).toEqual([0, 0, 0, 0, 0]);
    calls[0].a.delta.forEach((d, b) => expect(d).toBeCloseTo(0.01 * calls[0].a.value[b], 8));
    model.dispose();
    vm.dispose([x.a, x.b, y]);
  });

  it('works with a memory attack (EP) over two epochs; validates the option', () => {
    const { x, y } = batch(4, 2);
    const model = new TinyFusion({ a: 5, b: 4 }, 4, 3, { rng: 4, ...P });
    const atk = fgsmEp({ seed: 2 });
    for (const epoch of [0, 1]) {
      const r = robustStep(model, atk, x, y, [0, 1, 2, 3], epoch, { at: 'varmat', budget: 'vulnerability' });
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.budgetShares!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      model.zeroGrad();
    }
    expect(() => robustStep(model, atk, x, y, [0, 1, 2, 3], 0, { at: 'avg', budget: 'half' as 'equal' })).toThrowError(/robustStep.*budget.*'equal' or 'vulnerability'.*half/s);
    atk.dispose();
    model.dispose();
    vm.dispose([x.a, x.b, y]);
  });
});
