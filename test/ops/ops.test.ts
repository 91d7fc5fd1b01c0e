import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const f64 = (v: vm.NestedArray): vm.Tensor => vm.tensor(v, undefined, { dtype: 'float64' });
const i32 = (v: number[]): vm.Tensor => vm.tensor(v, undefined, { dtype: 'int32' });
const t = <T>(fn: () => T): T => vm.tidy(fn as () => vm.TensorContainer) as T;

describe('creation', () => {
  it('builds from nested arrays, typed arrays and shapes', () => t(() => {
    expect(vm.tensor([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
    expect(vm.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(vm.tensor(7).shape).toEqual([]);
    expect(vm.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(vm.full([2], 3, { dtype: 'int32' }).toArray()).toEqual([3, 3]);
  }));

  it('random tensors are seeded: same seed, same numbers; moments close to the law', () => t(() => {
    const a = Array.from(vm.randn([1000], { seed: 3 }).dataSync());
    const b = vm.randn([1000], { seed: 3 }).dataSync();
    expect(a).toEqual(Array.from(b));
    const m = a.reduce((s, v) => s + v, 0) / a.length;
    const v = a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length;
    expect(Math.abs(m)).toBeLessThan(0.1);
    expect(Math.abs(v - 1)).toBeLessThan(0.1);
    const u = vm.rand([1000], { seed: 4, low: -2, high: -1 }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(-1);
    expect(() => vm.randn([2])).toThrowError(/randomness is always explicit/);
  }));
});

describe('elementwise and reductions', () => {
  it('broadcasts binary ops NumPy-style', () => t(() => {
    const y = f64([[1], [2]]).add(f64([10, 20, 30]));
    expect(y.toArray()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(f64([1, 2, 3]).gt(2).toArray()).toEqual([0, 0, 1]);
    expect(vm.where(f64([1, 0]), f64([5, 6]), -1).toArray()).toEqual([5, -1]);
  }));

  it('erf and gelu match known values to double precision', () => t(() => {
    const e = f64([0.5, 1, 3, -2, 4.5]).erf().dataSync();
    const known = [0.5204998778130465, 0.8427007929497149, 0.9999779095030014, -0.9953222650189527, 0.9999999998033839];
    known.forEach((k, i) => expect(Math.abs(e[i] - k)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(k)));
    expect(f64([1]).gelu().item()).toBeCloseTo(0.8413447460685429, 15);
    const phi = f64([1, -1, -10, 0]).normcdf().dataSync();
    const knownPhi = [0.8413447460685429, 0.15865525393145707, 7.619853024160527e-24, 0.5];
    knownPhi.forEach((k, i) => expect(Math.abs(phi[i] - k)).toBeLessThanOrEqual(1e-14 * Math.abs(k)));
    const pdf = f64([0, 1, -3]).normpdf().dataSync();
    [0.3989422804014327, 0.24197072451914337, 0.0044318484119380075].forEach((k, i) => expect(Math.abs(pdf[i] - k)).toBeLessThanOrEqual(1e-15 * k));
  }));

  it('gelu gives the same values with and without gradient recording', () => t(() => {
    const values = [-12, -3.5, -1, -1e-3, 0, 2e-4, 0.7, 4, 9];
    const fused = f64(values).gelu().dataSync();
    const x = f64(values).requiresGrad_();
    const recorded = x.gelu();
    expect(recorded.requiresGrad).toBe(true);
    const r = recorded.dataSync();
    values.forEach((_, i) => expect(Math.abs(r[i] - fused[i])).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(fused[i])));
  }));

  it('reduces over any axes', () => t(() => {
    const x = f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(x.sum([0, 2]).toArray()).toEqual([14, 22]);
    expect(x.max(1, true).shape).toEqual([2, 1, 2]);
    expect(x.min().item()).toBe(1);
    expect(x.mean(0).toArray()).toEqual([[3, 4], [5, 6]]);
    expect(f64([1, 2, 3, 4]).variance().item()).toBe(1.25);
    expect(f64([1000, 1000]).logsumexp().item()).toBeCloseTo(1000 + Math.log(2), 12);
    expect(f64([[1, 9, 9], [4, 2, 0]]).argmax(1).toArray()).toEqual([1, 0]);
    expect(f64([[1, 9, 9], [4, 2, 0]]).argmin(0).toArray()).toEqual([0, 1, 1]);
  }));

  it('propagates NaN through max, argmax and rowNorms', () => t(() => {
    expect(Number.isNaN(f64([1, NaN, 3]).max().item())).toBe(true);
    expect(f64([1, NaN, 3]).argmax().item()).toBe(1);
    expect(Number.isNaN(vm.rowNorms(f64([[1, NaN]]), Infinity).item())).toBe(true);
  }));
});

describe('movement', () => {
  it('slices, pads, concatenates, stacks and gathers', () => t(() => {
    const x = vm.arange(12, undefined, 1, { dtype: 'float64' }).reshape([3, 4]);
    expect(x.slice([1, 1], [2, 2]).toArray()).toEqual([[5, 6], [9, 10]]);
    expect(x.transpose().shape).toEqual([4, 3]);
    expect(x.transpose().toArray()).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    expect(f64([1, 2]).pad([[1, 2]], 9).toArray()).toEqual([9, 1, 2, 9, 9]);
    expect(vm.concat([f64([[1]]), f64([[2, 3]])], 1).toArray()).toEqual([[1, 2, 3]]);
    expect(vm.stack([f64([1, 2]), f64([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(x.gather(i32([2, 0]), 0).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(vm.scatterAdd(f64([1, 2, 3]), i32([1, 1, 0]), 0, [3]).toArray()).toEqual([3, 3, 0]);
    expect(vm.oneHot(i32([2, 0, 5]), 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 0, 0]]);
    expect(f64([1, 2]).broadcastTo([2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
  }));

  it('reshape shares storage', () => t(() => {
    const x = f64([1, 2, 3, 4]);
    const m0 = vm.memory().backends.reference.bytes;
    const y = x.reshape([2, -1]);
    expect(vm.memory().backends.reference.bytes).toBe(m0);
    expect(y.toArray()).toEqual([[1, 2], [3, 4]]);
  }));
});

describe('linear algebra and nn', () => {
  it('matmul with transpose flags and batch broadcasting', () => t(() => {
    const a = f64([[1, 2], [3, 4]]);
    const b = f64([[5, 6], [7, 8]]);
    expect(a.matmul(b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(a.matmul(b, { transA: true }).toArray()).toEqual([[26, 30], [38, 44]]);
    expect(a.matmul(b, { transB: true }).toArray()).toEqual([[17, 23], [39, 53]]);
    expect(a.matmul(b, { transA: true, transB: true }).toArray()).toEqual([[23, 31], [34, 46]]);
    expect(vm.stack([a, b]).matmul(a).toArray()).toEqual([[[7, 10], [15, 22]], [[23, 34], [31, 46]]]);
  }));

  it('conv2d matches a hand-computed example, and max pooling picks the first maximum', () => t(() => {
    const x = vm.arange(16, undefined, 1, { dtype: 'float64' }).reshape([1, 1, 4, 4]);
    const w = f64([[[[1, 0], [0, -1]]]]);
    expect(vm.conv2d(x, w).toArray()).toEqual([[[[-5, -5, -5], [-5, -5, -5], [-5, -5, -5]]]]);
    expect(vm.conv2d(x, w, { stride: 2, padding: 1 }).toArray()).toEqual([[[[0, -2, 0], [-8, -5, 7], [0, 13, 15]]]]);
    expect(vm.maxPool2d(x, 2).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(vm.avgPool2d(x, 2).toArray()).toEqual([[[[2.5, 4.5], [10.5, 12.5]]]]);
  }));

  it('softmax, logSoftmax and cross-entropy agree with their definitions', () => t(() => {
    const z = f64([[1, 2, 3], [1, 1, 1]]);
    const s = z.softmax().toArray() as number[][];
    const e = [1, 2, 3].map(Math.exp);
    s[0].forEach((v, j) => expect(v).toBeCloseTo(e[j] / (e[0] + e[1] + e[2]), 14));
    const ce = vm.crossEntropy(z, i32([2, 0]), { reduction: 'none' }).toArray() as number[];
    expect(ce[0]).toBeCloseTo(-Math.log(e[2] / (e[0] + e[1] + e[2])), 14);
    expect(ce[1]).toBeCloseTo(Math.log(3), 14);
    expect(vm.crossEntropy(z, i32([2, 0])).item()).toBeCloseTo((ce[0] + ce[1]) / 2, 14);
    expect(f64([[1000, 0]]).logSoftmax().toArray()).toEqual([[0, -1000]]);
  }));

  it('layerNorm normalises each row; dropout is seeded and inverted', () => t(() => {
    const y = vm.layerNorm(f64([[1, 2, 3, 4]]), f64([1, 1, 1, 1]), f64([0, 0, 0, 0]), 1e-12);
    expect(y.mean().item()).toBeCloseTo(0, 14);
    expect(y.variance().item()).toBeCloseTo(1, 10);
    const x = vm.ones([1000]);
    const d1 = vm.dropout(x, 0.25, { rng: 9 }).dataSync();
    const d2 = vm.dropout(x, 0.25, { rng: 9 }).dataSync();
    expect(Array.from(d1)).toEqual(Array.from(d2));
    expect(new Set(d1)).toEqual(new Set([0, 1 / 0.75].map(Math.fround)));
    expect(vm.dropout(x, 0.25, { rng: 9, training: false }).sum().item()).toBe(1000);
  }));

  it('rowNorms gives per-sample L1, L2 and L-inf norms over all trailing axes', () => t(() => {
    const x = f64([[[3, -4]], [[0, 0]], [[-1, 2]]]);
    expect(vm.rowNorms(x, 2).toArray()).toEqual([5, 0, Math.sqrt(5)]);
    expect(vm.rowNorms(x, 1).toArray()).toEqual([7, 0, 3]);
    expect(vm.rowNorms(x, Infinity).toArray()).toEqual([4, 0, 2]);
  }));
});
