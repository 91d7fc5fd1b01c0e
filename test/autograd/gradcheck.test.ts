import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { awayFromZero, gradCheck, rnd } from '../helpers/gradcheck.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// Every differentiable op against central finite differences in float64 on the reference
// backend, on random shapes with broadcasting and size-1 axes.
const TOL = 1e-6;

checkNoLeaks();

const positive = (v: number): number => Math.abs(v) + 0.5;
const i32 = (values: number[], shape?: number[]): Tensor => vm.tensor(values, shape, { dtype: 'int32' });

function check(name: string, f: (...xs: Tensor[]) => Tensor, make: () => Tensor[]): void {
  it(name, () => {
    const inputs = make();
    try {
      expect(gradCheck(f, inputs)).toBeLessThan(TOL);
    } finally {
      vm.dispose(inputs);
    }
  });
}

describe('unary ops', () => {
  const shape = [3, 1, 4];
  check('neg', (x) => x.neg(), () => [rnd(shape, 1)]);
  check('abs', (x) => x.abs(), () => [rnd(shape, 2, awayFromZero())]);
  check('exp', (x) => x.exp(), () => [rnd(shape, 3)]);
  check('log', (x) => x.log(), () => [rnd(shape, 4, positive)]);
  check('log1p', (x) => x.log1p(), () => [rnd(shape, 5, positive)]);
  check('sqrt', (x) => x.sqrt(), () => [rnd(shape, 6, positive)]);
  check('rsqrt', (x) => x.rsqrt(), () => [rnd(shape, 7, positive)]);
  check('square', (x) => x.square(), () => [rnd(shape, 8)]);
  check('reciprocal', (x) => x.reciprocal(), () => [rnd(shape, 9, positive)]);
  check('tanh', (x) => x.tanh(), () => [rnd(shape, 10)]);
  check('sigmoid', (x) => x.sigmoid(), () => [rnd(shape, 11)]);
  check('relu', (x) => x.relu(), () => [rnd(shape, 12, awayFromZero())]);
  check('gelu', (x) => x.gelu(), () => [rnd(shape, 13, (v) => 2 * v)]);
  check('erf', (x) => x.erf(), () => [rnd(shape, 14)]);
  check('normcdf', (x) => x.normcdf(), () => [rnd(shape, 15, (v) => 3 * v)]);
  check('normpdf', (x) => x.normpdf(), () => [rnd(shape, 16, (v) => 3 * v)]);
  check('sin', (x) => x.sin(), () => [rnd(shape, 15)]);
  check('cos', (x) => x.cos(), () => [rnd(shape, 16)]);
  check('clip', (x) => x.clip(-0.5, 0.7), () => [rnd(shape, 17, (v) => (Math.abs(Math.abs(v) - 0.6) < 0.15 ? v + 0.3 : v))]);
  check('sign (zero gradient)', (x) => x.sign().add(x), () => [rnd(shape, 18, awayFromZero())]);
});

describe('binary ops with broadcasting', () => {
  const pairs: [number[], number[]][] = [[[3, 1, 4], [2, 1]], [[1], [2, 3]], [[2, 3], [2, 3]], [[], [4]]];
  pairs.forEach(([sa, sb], k) => {
    const tag = `[${sa}] with [${sb}]`;
    check(`add ${tag}`, (a, b) => a.add(b), () => [rnd(sa, 20 + k), rnd(sb, 30 + k)]);
    check(`sub ${tag}`, (a, b) => a.sub(b), () => [rnd(sa, 21 + k), rnd(sb, 31 + k)]);
    check(`mul ${tag}`, (a, b) => a.mul(b), () => [rnd(sa, 22 + k), rnd(sb, 32 + k)]);
    check(`div ${tag}`, (a, b) => a.div(b), () => [rnd(sa, 23 + k), rnd(sb, 33 + k, positive)]);
    check(`pow ${tag}`, (a, b) => a.pow(b), () => [rnd(sa, 24 + k, positive), rnd(sb, 34 + k)]);
    check(`maximum ${tag}`, (a, b) => a.maximum(b), () => [rnd(sa, 25 + k), rnd(sb, 35 + k, (v) => v + 0.05)]);
    check(`minimum ${tag}`, (a, b) => a.minimum(b), () => [rnd(sa, 26 + k), rnd(sb, 36 + k, (v) => v + 0.05)]);
  });
  check('where', (a, b) => vm.where(vm.tensor([1, 0, 1, 0], [4], { dtype: 'float64' }), a, b), () => [rnd([3, 4], 40), rnd([4], 41)]);
  check('number operands', (a) => vm.sub(2, a).div(3).pow(2), () => [rnd([5], 42)]);
});

describe('reductions', () => {
  const x = (): Tensor[] => [rnd([3, 4, 5], 50)];
  check('sum all', (x) => x.sum(), x);
  check('sum axes [0, 2]', (x) => x.sum([0, 2]), x);
  check('sum keepDims', (x) => x.sum(1, true), x);
  check('mean axis -1', (x) => x.mean(-1), x);
  check('max axis 1', (x) => x.max(1), x);
  check('min axes [0, 1] keepDims', (x) => x.min([0, 1], true), x);
  check('variance axis 2', (x) => x.variance(2), x);
  check('logsumexp axis 1', (x) => x.logsumexp(1), x);
  check('logsumexp all keepDims', (x) => x.logsumexp(undefined, true), x);
});

describe('movement', () => {
  check('reshape', (x) => x.reshape([4, -1]).mul(x.reshape([4, 6])), () => [rnd([2, 3, 4], 60)]);
  check('permute', (x) => x.permute([2, 0, 1]), () => [rnd([2, 3, 4], 61)]);
  check('transpose', (x) => x.transpose(0, 2), () => [rnd([2, 3, 4], 62)]);
  check('slice', (x) => x.slice([1, 0, 2], [1, -1, 2]), () => [rnd([2, 3, 4], 63)]);
  check('pad', (x) => x.pad([[1, 0], [2, 3]]), () => [rnd([2, 3], 64)]);
  check('concat', (a, b) => vm.concat([a, b, a], 1), () => [rnd([2, 1, 3], 65), rnd([2, 4, 3], 66)]);
  check('stack', (a, b) => vm.stack([a, b], 1), () => [rnd([2, 3], 67), rnd([2, 3], 68)]);
  check('broadcastTo', (x) => x.broadcastTo([2, 3, 4]), () => [rnd([3, 1], 69)]);
  check('expandDims / squeeze', (x) => x.expandDims(1).squeeze(1).expandDims(0), () => [rnd([3, 2], 70)]);
  check('gather (repeated indices)', (x) => vm.tidy(() => x.gather(i32([2, 0, 2, 1]), 1)), () => [rnd([2, 3, 2], 71)]);
  check('scatterAdd', (g) => vm.tidy(() => vm.scatterAdd(g, i32([1, 1, 0]), 0, [3, 2])), () => [rnd([3, 2], 72)]);
});

describe('linear algebra', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = transA ? [2, 1, 4, 3] : [2, 1, 3, 4];
      const b = transB ? [5, 4] : [4, 5];
      check(`matmul transA=${transA} transB=${transB} with batch broadcasting`, (x, y) => x.matmul(y, { transA, transB }), () => [rnd(a, 80), rnd(b, 81)]);
    }
  }
  check('matmul batch [2,1] x [1,3]', (x, y) => x.matmul(y), () => [rnd([2, 1, 2, 3], 82), rnd([1, 3, 3, 2], 83)]);
  check('conv2d stride 2, padding 1, dilation 2, groups 2, bias', (x, w, b) => vm.conv2d(x, w, { stride: 2, padding: 1, dilation: 2, groups: 2, bias: b }), () => [rnd([2, 4, 7, 6], 84), rnd([6, 2, 2, 3], 85), rnd([6], 86)]);
  check('conv2d plain', (x, w) => vm.conv2d(x, w), () => [rnd([1, 2, 5, 5], 87), rnd([3, 2, 3, 3], 88)]);
  check('maxPool2d', (x) => vm.maxPool2d(x, 2, { stride: 2 }), () => [rnd([2, 2, 5, 4], 89)]);
  check('maxPool2d overlapping with padding', (x) => vm.maxPool2d(x, 3, { stride: 2, padding: 1 }), () => [rnd([1, 2, 5, 5], 90)]);
  check('avgPool2d with padding', (x) => vm.avgPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1] }), () => [rnd([2, 1, 4, 5], 91)]);
});

describe('nn', () => {
  check('softmax last axis', (x) => x.softmax(), () => [rnd([3, 5], 100)]);
  check('softmax axis 0', (x) => x.softmax(0), () => [rnd([3, 5], 101)]);
  check('logSoftmax axis 1 of 3', (x) => x.logSoftmax(1), () => [rnd([2, 4, 3], 102)]);
  check('crossEntropy mean', (x) => vm.crossEntropy(x, i32([0, 3, 1])), () => [rnd([3, 4], 103)]);
  check('crossEntropy sum', (x) => vm.crossEntropy(x, i32([2, 2, 1]), { reduction: 'sum' }), () => [rnd([3, 4], 104)]);
  check('crossEntropy none', (x) => vm.crossEntropy(x, i32([1, 0, 3]), { reduction: 'none' }), () => [rnd([3, 4], 105)]);
  check('layerNorm (x, gamma, beta)', (x, g, b) => vm.layerNorm(x, g, b, 1e-5), () => [rnd([2, 3, 6], 106), rnd([6], 107), rnd([6], 108)]);
  check('dropout (fixed mask)', (x) => vm.dropout(x, 0.3, { rng: 5 }), () => [rnd([4, 5], 109)]);
  check('rowNorms L2', (x) => vm.rowNorms(x, 2), () => [rnd([3, 2, 4], 110)]);
  check('rowNorms L1', (x) => vm.rowNorms(x, 1), () => [rnd([3, 5], 111, awayFromZero())]);
  check('rowNorms Linf', (x) => vm.rowNorms(x, Infinity), () => [rnd([3, 5], 112)]);
  check('cast float64 -> float64 path', (x) => x.cast('float64').mul(2), () => [rnd([3], 113)]);
});
