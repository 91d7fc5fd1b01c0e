import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import {
  Attention, Conv2d, Dropout, FeedForward, Flatten, GEGLU, GELU, LayerNorm, Linear, MaxPool2d, ReLU, Sequential,
} from '../../src/nn/index.js';
import { gradCheck, relError } from '../helpers/gradcheck.js';
import { REF64, f64, paramGradCheck } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const t = <T>(fn: () => T): T => vm.tidy(fn as () => vm.TensorContainer) as T;
const vals = (x: Tensor): number[] => Array.from(x.dataSync());

/** Plain-JS multi-head attention from the weights, the layouts written out by hand. */
function naiveAttention(att: Attention, x: Tensor, ctx: Tensor): Float64Array {
  const [b, n, qd] = x.shape;
  const [, m, cd] = ctx.shape;
  const { heads: h, dimHead: d } = att;
  const inner = h * d;
  const wq = vals(att.toQ.weight.value);
  const wkv = vals(att.toKv.weight.value);
  const wo = vals((att.toOut.layers[0] as Linear).weight.value);
  const bo = vals((att.toOut.layers[0] as Linear).bias!.value);
  const xs = vals(x);
  const cs = vals(ctx);
  const out = new Float64Array(b * n * qd);
  for (let s = 0; s < b; s++) {
    const proj = (rows: number[], width: number, src: number[], r: number, o: number): number => {
      let acc = 0;
      for (let c = 0; c < width; c++) acc += rows[o * width + c] * src[r * width + c];
      return acc;
    };
    for (let i = 0; i < n; i++) {
      const merged = new Float64Array(inner);
      for (let hh = 0; hh < h; hh++) {
        const q = Array.from({ length: d }, (_, e) => proj(wq, qd, xs, s * n + i, hh * d + e));
        const scores = Array.from({ length: m }, (_, j) => {
          let acc = 0;
          for (let e = 0; e < d; e++) acc += q[e] * proj(wkv, cd, cs, s * m + j, hh * d + e);
          return acc * d ** -0.5;
        });
        const mx = Math.max(...scores);
        const ex = scores.map((v) => Math.exp(v - mx));
        const z = ex.reduce((a, v) => a + v, 0);
        for (let e = 0; e < d; e++) {
          let acc = 0;
          for (let j = 0; j < m; j++) acc += (ex[j] / z) * proj(wkv, cd, cs, s * m + j, inner + hh * d + e);
          merged[hh * d + e] = acc;
        }
      }
      for (let o = 0; o < qd; o++) {
        let acc = bo[o];
        for (let c = 0; c < inner; c++) acc += wo[o * inner + c] * merged[c];
        out[(s * n + i) * qd + o] = acc;
      }
    }
  }
  return out;
}

describe('initialisation (PyTorch defaults)', () => {
  it('Linear and Conv2d draw weight and bias uniformly within 1/sqrt(fan_in), seeded', () => {
    const a = new Linear(50, 40, { rng: 3 });
    const b = new Linear(50, 40, { rng: 3 });
    const c = new Linear(50, 40, { rng: 4 });
    const w = vals(a.weight.value);
    const bound = 1 / Math.sqrt(50);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(variance).toBeCloseTo(bound ** 2 / 3, 3);
    expect(Math.max(...vals(a.bias!.value).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(vals(a.weight.value)).toEqual(vals(b.weight.value));
    expect(vals(a.weight.value)).not.toEqual(vals(c.weight.value));
    const conv = new Conv2d(3, 8, 5, { rng: 0 });
    const cb = 1 / Math.sqrt(3 * 25);
    expect(conv.weight.shape).toEqual([8, 3, 5, 5]);
    expect(Math.max(...vals(conv.weight.value).map(Math.abs))).toBeLessThanOrEqual(cb);
    expect(Math.max(...vals(conv.weight.value).map(Math.abs))).toBeGreaterThan(0.9 * cb);
    const ln = new LayerNorm(5);
    expect(vals(ln.weight.value)).toEqual([1, 1, 1, 1, 1]);
    expect(vals(ln.bias.value)).toEqual([0, 0, 0, 0, 0]);
    for (const m of [a, b, c, conv, ln]) m.dispose();
  });
});

describe('layers: shapes and known outputs', () => {
  it('Linear computes x W^T + b over the last axis of any rank', () => {
    const fc = new Linear(3, 2, REF64);
    fc.loadStateDict({ weight: { shape: [2, 3], data: Float64Array.of(1, 2, 3, 4, 5, 6) }, bias: { shape: [2], data: Float64Array.of(0.5, -1) } });
    t(() => {
      const x = vm.tensor([[[1, 0, -1], [2, 1, 0]]], undefined, { dtype: 'float64' });
      const y = fc.forward(x);
      expect(y.shape).toEqual([1, 2, 2]);
      expect(y.toArray()).toEqual([[[-1.5, -3], [4.5, 12]]]);
      expect(fc.forward(vm.tensor([1, 1, 1], undefined, { dtype: 'float64' })).toArray()).toEqual([6.5, 14]);
      expect(() => fc.forward(vm.zeros([2, 4], { dtype: 'float64' }))).toThrowError(/last axis is 3/);
    });
    const nb = new Linear(3, 2, { bias: false });
    expect(nb.stateDict()).toHaveProperty('weight');
    expect(nb.stateDict()).not.toHaveProperty('bias');
    fc.dispose();
    nb.dispose();
  });

  it('Conv2d, MaxPool2d, Flatten, ReLU in a Sequential', () => {
    const conv = new Conv2d(1, 1, 2, REF64);
    conv.loadStateDict({ weight: { shape: [1, 1, 2, 2], data: Float64Array.of(1, 1, 1, 1) }, bias: { shape: [1], data: Float64Array.of(0.5) } });
    t(() => {
      const x = vm.tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], undefined, { dtype: 'float64' });
      expect(conv.forward(x).toArray()).toEqual([[[[12.5, 16.5], [24.5, 28.5]]]]);
      const pool = new MaxPool2d(2);
      expect(pool.forward(vm.tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [9, 0, 1, 2]]]])).toArray()).toEqual([[[[5, 8], [9, 2]]]]);
      expect(new Flatten().forward(vm.zeros([4, 3, 5, 5])).shape).toEqual([4, 75]);
      expect(new ReLU().forward(vm.tensor([-1, 2])).toArray()).toEqual([0, 2]);
      expect(new GELU().forward(vm.tensor([1], undefined, { dtype: 'float64' })).item()).toBeCloseTo(0.8413447460685429, 14);
      const padded = new Conv2d(1, 8, 5, { padding: 2, rng: 0 });
      const net = new Sequential([padded, new ReLU(), new MaxPool2d(2), new Flatten()]);
      expect(net.forward(vm.zeros([2, 1, 28, 28])).shape).toEqual([2, 8 * 14 * 14]);
      expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias']);
      net.dispose();
    });
    conv.dispose();
  });

  it('LayerNorm normalises the last axis (biased variance, eps) with its affine map', () => {
    const ln = new LayerNorm(4, 1e-5, REF64);
    ln.loadStateDict({ weight: { shape: [4], data: Float64Array.of(1, 2, 1, 1) }, bias: { shape: [4], data: Float64Array.of(0, 0, 1, 0) } });
    t(() => {
      const y = vals(ln.forward(vm.tensor([[1, 2, 3, 4]], undefined, { dtype: 'float64' })));
      const s = Math.sqrt(1.25 + 1e-5);
      const expected = [-1.5 / s, (2 * -0.5) / s, 0.5 / s + 1, 1.5 / s];
      expected.forEach((e, i) => expect(y[i]).toBeCloseTo(e, 13));
    });
    ln.dispose();
  });

  it('Dropout: identity in eval mode and for p = 0; inverted scaling and seeded masks in training', () => {
    t(() => {
      const x = vm.ones([1000]);
      const d = new Dropout(0.25, { rng: 7 });
      const y = vals(d.forward(x));
      const zeros = y.filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(200);
      expect(zeros).toBeLessThan(300);
      expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
      expect(vals(new Dropout(0.25, { rng: 7 }).forward(x))).toEqual(y);
      expect(d.eval().forward(x)).toBe(x);
      expect(new Dropout(0).forward(x)).toBe(x);
      expect(() => new Dropout(1)).toThrowError(/probability/);
    });
  });

  it('GEGLU and FeedForward: a * GELU(gate), value in the first half of net.0', () => {
    t(() => {
      const x = vm.tensor([[1, 2, 0.5, -1]], undefined, { dtype: 'float64' });
      const gelu = (v: number): number => vals(vm.tensor([v], undefined, { dtype: 'float64' }).gelu())[0];
      const y = vals(new GEGLU().forward(x));
      expect(y[0]).toBeCloseTo(1 * gelu(0.5), 14);
      expect(y[1]).toBeCloseTo(2 * gelu(-1), 14);
      expect(() => new GEGLU().forward(vm.zeros([2, 3]))).toThrowError(/even/);
    });
    const ff = new FeedForward(3, { mult: 2, rng: 1, ...REF64 });
    expect(Object.keys(ff.stateDict())).toEqual(['net.0.weight', 'net.0.bias', 'net.3.weight', 'net.3.bias']);
    expect(ff.stateDict()['net.0.weight'].shape).toEqual([12, 3]);
    t(() => {
      const x = f64([2, 5, 3], 1);
      const sd = ff.stateDict();
      const h0 = x.matmul(sd['net.0.weight'], { transB: true }).add(sd['net.0.bias']);
      const h = h0.slice([0, 0, 0], [2, 5, 6]).mul(h0.slice([0, 0, 6], [2, 5, 6]).gelu())
        .matmul(sd['net.3.weight'], { transB: true }).add(sd['net.3.bias']);
      expect(relError(vals(ff.forward(x)), vals(h))).toBeLessThan(1e-14);
    });
    ff.dispose();
  });

  it('Attention (self and cross, 1 and several heads) matches a hand-written loop', () => {
    for (const heads of [1, 3]) {
      const att = new Attention(6, { contextDim: 5, heads, dimHead: 4, rng: heads, ...REF64 });
      expect(Object.keys(att.stateDict())).toEqual(['to_q.weight', 'to_kv.weight', 'to_out.0.weight', 'to_out.0.bias']);
      expect(att.stateDict()['to_kv.weight'].shape).toEqual([2 * heads * 4, 5]);
      t(() => {
        const x = f64([2, 3, 6], 10);
        const ctx = f64([2, 7, 5], 11);
        const y = att.forward(x, ctx);
        expect(y.shape).toEqual([2, 3, 6]);
        expect(relError(vals(y), naiveAttention(att, x, ctx))).toBeLessThan(1e-13);
        expect(() => att.forward(x, f64([2, 7, 4], 1))).toThrowError(/context/);
      });
      att.dispose();
    }
    const sa = new Attention(4, { heads: 2, dimHead: 2, rng: 5, ...REF64 });
    t(() => {
      const x = f64([1, 5, 4], 12);
      expect(relError(vals(sa.forward(x)), naiveAttention(sa, x, x))).toBeLessThan(1e-13);
    });
    sa.dispose();
  });
});

describe('gradients through the layers (float64 finite differences)', () => {
  it('attention: inputs, context and every weight', () => {
    const att = new Attention(4, { contextDim: 3, heads: 2, dimHead: 2, rng: 2, ...REF64 });
    const x = f64([2, 3, 4], 20);
    const ctx = f64([2, 4, 3], 21);
    expect(gradCheck((a, c) => att.forward(a, c), [x, ctx])).toBeLessThan(1e-6);
    const w = f64([2, 3, 4], 22);
    expect(paramGradCheck(att, () => att.forward(x, ctx).mul(w).sum())).toBeLessThan(1e-6);
    vm.dispose([x, ctx, w]);
    att.dispose();
  });

  it('LayerNorm and the GEGLU feed-forward', () => {
    const ln = new LayerNorm(5, 1e-5, REF64);
    const ff = new FeedForward(5, { mult: 1, rng: 3, ...REF64 });
    const x = f64([2, 3, 5], 30);
    const w = f64([2, 3, 5], 31);
    const net = (v: Tensor): Tensor => ff.forward(ln.forward(v));
    expect(gradCheck(net, [x])).toBeLessThan(1e-6);
    t(() => ln.loadStateDict({ weight: f64([5], 32), bias: f64([5], 33) }));
    expect(paramGradCheck(ln, () => net(x).mul(w).sum())).toBeLessThan(1e-6);
    expect(paramGradCheck(ff, () => net(x).mul(w).sum())).toBeLessThan(1e-6);
    vm.dispose([x, w]);
    ln.dispose();
    ff.dispose();
  });
});
