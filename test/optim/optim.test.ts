import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { Parameter } from '../../src/nn/index.js';
import { Adam, AdamW, SGD, clipGradNorm, constantLr, cosineLr, stepLr, type Optimizer } from '../../src/optim/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const f64 = (v: number[]): vm.Tensor => vm.tensor(v, undefined, { dtype: 'float64' });
const vals = (p: Parameter): number[] => Array.from(p.value.dataSync());

/** Runs `steps` updates with the given gradients and returns the parameter values after each. */
function run(make: (p: Parameter) => Optimizer, init: number[], grads: number[][]): number[][] {
  const p = new Parameter(f64(init));
  const opt = make(p);
  const out: number[][] = [];
  for (const g of grads) {
    p.grad = f64(g);
    opt.step();
    out.push(vals(p));
  }
  opt.dispose();
  p.dispose();
  return out;
}

function close(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i][j])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected[i][j])))));
}

const G = [[0.5, -2], [0.25, 1], [-1, 0.5]];
const P0 = [1, -3];

describe('SGD', () => {
  it('plain: p - lr g', () => {
    close(run((p) => new SGD([p], { lr: 0.1 }), P0, G.slice(0, 2)), [[0.95, -2.8], [0.925, -2.9]]);
  });

  it('momentum with dampening, weight decay, and Nesterov follow PyTorch\'s rule', () => {
    const lr = 0.1;
    const mu = 0.9;
    const wd = 0.01;
    for (const variant of ['momentum', 'dampened', 'nesterov'] as const) {
      const damp = variant === 'dampened' ? 0.3 : 0;
      const expected: number[][] = [];
      let p = [...P0];
      let buf: number[] | null = null;
      for (const g of G) {
        const d = g.map((gi, i) => gi + wd * p[i]);
        buf = buf === null ? [...d] : buf.map((b, i) => mu * b + (1 - damp) * d[i]);
        const step = variant === 'nesterov' ? d.map((di, i) => di + mu * buf![i]) : buf;
        p = p.map((pi, i) => pi - lr * step[i]);
        expected.push(p);
      }
      close(run((q) => new SGD([q], { lr, momentum: mu, weightDecay: wd, dampening: damp, nesterov: variant === 'nesterov' }), P0, G), expected);
    }
    const q = new Parameter(f64([1]));
    expect(() => new SGD([q], { lr: 0.1, nesterov: true })).toThrowError(/momentum > 0/);
    q.dispose();
  });
});

describe('Adam and AdamW', () => {
  /** The update written out from PyTorch's documentation. */
  function adamByHand(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[][] {
    let p = [...P0];
    let m = [0, 0];
    let v = [0, 0];
    const out: number[][] = [];
    G.forEach((g0, k) => {
      const t = k + 1;
      const base = decoupled ? p.map((pi) => pi * (1 - lr * wd)) : p;
      const g = decoupled ? g0 : g0.map((gi, i) => gi + wd * p[i]);
      m = m.map((mi, i) => mi + (g[i] - mi) * (1 - b1));
      v = v.map((vi, i) => vi * b2 + g[i] * g[i] * (1 - b2));
      p = base.map((bi, i) => bi - (lr / (1 - b1 ** t)) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps)));
      out.push(p);
    });
    return out;
  }

  it('the first Adam step moves each weight by about lr against the sign of its gradient', () => {
    const [[a, b]] = run((p) => new Adam([p], { lr: 0.1 }), P0, [G[0]]);
    expect(a).toBeCloseTo(1 - (0.1 * 0.5) / (0.5 + 1e-8), 15);
    expect(b).toBeCloseTo(-3 + (0.1 * 2) / (2 + 1e-8), 15);
  });

  it('Adam with coupled weight decay (the paper\'s 8e-4 / 1e-3) matches the hand-computed rule', () => {
    close(run((p) => new Adam([p], { lr: 8e-4, weightDecay: 1e-3 }), P0, G), adamByHand(8e-4, 0.9, 0.999, 1e-8, 1e-3, false));
    close(run((p) => new Adam([p], { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6 }), P0, G), adamByHand(0.01, 0.8, 0.99, 1e-6, 0, false));
  });

  it('AdamW decays the weights instead of the gradient (default decay 1e-2)', () => {
    close(run((p) => new AdamW([p], { lr: 0.01 }), P0, G), adamByHand(0.01, 0.9, 0.999, 1e-8, 1e-2, true));
    const coupled = run((p) => new Adam([p], { lr: 0.01, weightDecay: 0.1 }), P0, G);
    const decoupled = run((p) => new AdamW([p], { lr: 0.01, weightDecay: 0.1 }), P0, G);
    expect(coupled[2][0]).not.toBeCloseTo(decoupled[2][0], 6);
  });

  it('skips parameters without a gradient and counts steps per parameter', () => {
    const a = new Parameter(f64([1]));
    const b = new Parameter(f64([2]));
    const opt = new Adam([['a', a], ['b', b]], { lr: 0.1 });
    a.grad = f64([1]);
    opt.step();
    expect(vals(b)).toEqual([2]);
    expect(opt.stateDict().steps).toEqual({ a: 1 });
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('Adam on float32 (WebAssembly backend)', () => {
  /** The update op by op with tensor ops (PyTorch's order; every op rounds to float32). */
  function adamOpByOp(p: vm.Tensor, g: vm.Tensor, m: vm.Tensor, v: vm.Tensor, t: number, lr: number, wd: number, decoupled: boolean): vm.Tensor[] {
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    let base = p;
    let grad = g;
    if (wd !== 0) {
      if (decoupled) base = p.mul(1 - lr * wd);
      else grad = g.add(p.mul(wd));
    }
    const m1 = m.add(grad.sub(m).mul(1 - b1));
    const v1 = v.mul(b2).add(grad.square().mul(1 - b2));
    const denom = v1.sqrt().div(Math.sqrt(1 - b2 ** t)).add(eps);
    return [base.sub(m1.div(denom).mul(lr / (1 - b1 ** t))), m1, v1];
  }

  it('the fused step equals the op-by-op form bit for bit, with and without (decoupled) decay', async () => {
    await vm.init({ backend: 'wasm' });
    const n = 1031;   // vector body and scalar tail
    for (const [wd, decoupled] of [[0, false], [1e-3, false], [1e-2, true]] as const) {
      vm.tidy(() => {
        const init = vm.randn([n], { seed: 1, backend: 'wasm' });
        const p = new Parameter(init.mul(1));
        const opt = decoupled ? new AdamW([p], { lr: 8e-4, weightDecay: wd }) : new Adam([p], { lr: 8e-4, weightDecay: wd });
        let [q, m, v] = [init, vm.zeros([n], { backend: 'wasm' }), vm.zeros([n], { backend: 'wasm' })];
        for (let t = 1; t <= 3; t++) {
          const g = vm.randn([n], { seed: 10 + t, backend: 'wasm' });
          p.grad = g.mul(1);
          opt.step();
          [q, m, v] = adamOpByOp(q, g, m, v, t, 8e-4, wd, decoupled);
          expect(Array.from(p.value.dataSync()), `wd ${wd} decoupled ${decoupled} step ${t}`).toEqual(Array.from(q.dataSync()));
        }
        opt.dispose();
        p.dispose();
      });
    }
  });
});

describe('optimizer state dicts', () => {
  it('resuming from a state dict continues exactly as an uninterrupted optimizer', () => {
    for (const make of [
      (ps: [string, Parameter][]) => new Adam(ps, { lr: 0.01, weightDecay: 1e-3 }),
      (ps: [string, Parameter][]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
    ]) {
      const p1 = new Parameter(f64(P0));
      const p2 = new Parameter(f64(P0));
      const o1 = make([['w', p1]]);
      const o2 = make([['w', p2]]);
      p1.grad = f64(G[0]);
      o1.step();
      // Copy the state through plain arrays, as a checkpoint would.
      const s = o1.stateDict();
      const tensors = Object.fromEntries(Object.entries(s.tensors).map(([k, t]) => [k, { shape: [...t.shape], data: Float64Array.from((t as vm.Tensor).dataSync()) }]));
      o2.loadStateDict({ ...s, tensors });
      p2.assign(f64(vals(p1)));
      for (const g of G.slice(1)) {
        p1.grad = f64(g);
        p2.grad = f64(g);
        o1.step();
        o2.step();
      }
      expect(vals(p2)).toEqual(vals(p1));
      expect(() => o2.loadStateDict({ ...s, kind: 'other' })).toThrowError(/state.kind/);
      expect(() => o2.loadStateDict({ ...s, tensors: { ...tensors, 'exp_avg.zzz': tensors[Object.keys(tensors)[0]] } })).toThrowError(/unexpected tensor 'exp_avg.zzz'/);
      for (const x of [o1, o2, p1, p2]) x.dispose();
    }
  });
});

describe('schedules and clipping', () => {
  it('constant, step and cosine schedules', () => {
    expect(constantLr(8e-4).lrAt(7)).toBe(8e-4);
    const s = stepLr(0.1, { stepSize: 2, gamma: 0.5 });
    expect([0, 1, 2, 3, 4].map((t) => s.lrAt(t))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    const c = cosineLr(1, { total: 4, minLr: 0.2 });
    expect(c.lrAt(0)).toBe(1);
    expect(c.lrAt(2)).toBeCloseTo(0.6, 15);
    expect(c.lrAt(4)).toBeCloseTo(0.2, 15);
    expect(c.lrAt(9)).toBeCloseTo(0.2, 15);
    expect(c.toJSON()).toEqual({ kind: 'cosine', lr: 1, total: 4, minLr: 0.2 });
    expect(() => stepLr(0.1, { stepSize: 0 })).toThrowError(/stepSize/);
  });

  it('clipGradNorm scales all gradients by maxNorm / (norm + 1e-6) only when the norm exceeds it', () => {
    const a = new Parameter(f64([3, 0]));
    const b = new Parameter(f64([0]));
    const c = new Parameter(f64([1]));
    a.grad = f64([3, 0]);
    b.grad = f64([4]);
    const norm = clipGradNorm([a, b, c], 1)!;
    expect(norm.item()).toBe(5);
    const k = 1 / (5 + 1e-6);
    expect(Array.from(a.grad!.dataSync())).toEqual([3 * k, 0]);
    expect(b.grad!.item()).toBeCloseTo(4 * k, 15);
    norm.dispose();
    const again = clipGradNorm([a, b], 10)!;
    expect(Array.from(a.grad!.dataSync())).toEqual([3 * k, 0]);
    again.dispose();
    for (const x of [a, b, c]) x.dispose();
  });
});
