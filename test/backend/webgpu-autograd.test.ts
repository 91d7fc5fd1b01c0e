// Gradients on WebGPU: every differentiable op's value and gradient (first order, and second
// order through gradient-norm penalties as VARMAT needs) computed in float32 on the WebGPU backend
// and on the reference backend, compared norm-wise. Tensors and GPU buffers must not leak.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { relError } from '../helpers/gradcheck.js';
import { tryNodeBackend } from '../webgpu/node-gpu.js';
import { convPenaltyGrads, mlpPenaltyGrads, valuesOn } from '../webgpu/second-order.js';

/**
 * float32 against float32: both backends round every op's result to float32, in different orders
 * (tree reductions, tiled products, polynomial special functions). Measured worst case over this
 * file on Dawn/SwiftShader: 7.2e-7 (the MLP penalty); the bound is the issue's 1e-5.
 */
const TOL = 1e-5;

const { gpu, reason } = await tryNodeBackend();
if (gpu) vm.registerBackend(gpu);
afterAll(() => gpu?.destroy());

let tensorsBefore = 0;
let buffersBefore = 0;
beforeEach(() => {
  vm.setBackend('reference');
  tensorsBefore = vm.memory().tensors;
  buffersBefore = gpu?.liveBuffers() ?? 0;
});
afterEach(() => {
  expect(vm.memory().tensors).toBe(tensorsBefore);
  expect(gpu?.liveBuffers() ?? 0).toBe(buffersBefore);
});

const measured: { name: string; error: number }[] = [];

/** Seeded float32 values as [values, shape]. */
function values(shape: number[], seed: number, transform: (v: number) => number = (v) => v): { v: Float32Array; shape: number[] } {
  const rng = new vm.Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { v: Float32Array.from({ length: n }, () => transform(rng.normal())), shape };
}

const positive = (v: number): number => Math.abs(v) + 0.5;
const awayFromZero = (v: number): number => (v >= 0 ? v + 0.1 : v - 0.1);
const i32 = (vals: number[]): Tensor => vm.tensor(vals, undefined, { dtype: 'int32' });

/** Value and input gradients of sum(f(xs) * R) on one backend, read back to the host. */
async function valueAndGrads(backend: 'reference' | 'webgpu', f: (...xs: Tensor[]) => Tensor, inputs: { v: Float32Array; shape: number[] }[]): Promise<Float32Array[]> {
  const outs = vm.withBackend(backend, () => vm.tidy(() => {
    const leaves = inputs.map((x) => vm.tensor(x.v, x.shape).requiresGrad_());
    const y = f(...leaves);
    const r = vm.tensor(values([...y.shape], 12345).v, [...y.shape]);
    const grads = vm.grad([vm.mul(y, r).sum()], leaves);
    return [y, ...grads.map((g) => g!)];
  }));
  try {
    return (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
  } finally {
    vm.dispose(outs);
  }
}

function check(name: string, f: (...xs: Tensor[]) => Tensor, make: () => { v: Float32Array; shape: number[] }[]): void {
  it(name, async () => {
    const inputs = make();
    const want = await valueAndGrads('reference', f, inputs);
    const got = await valueAndGrads('webgpu', f, inputs);
    const errors = got.map((g, i) => relError(g, want[i]));
    const worst = Math.max(...errors);
    measured.push({ name, error: worst });
    expect(worst, `${name}: errors [value, grads...] = ${errors.map((e) => e.toExponential(1)).join(', ')}`).toBeLessThan(TOL);
  });
}

describe.skipIf(!gpu)(`gradients on webgpu vs reference, float32${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  describe('unary', () => {
    const s = [3, 1, 5];
    check('neg abs square', (x) => x.neg().add(x.abs()).add(x.square()), () => [values(s, 1, awayFromZero)]);
    check('exp log log1p', (x) => x.exp().add(x.log()).add(x.log1p()), () => [values(s, 2, positive)]);
    check('sqrt rsqrt reciprocal', (x) => x.sqrt().add(x.rsqrt()).add(x.reciprocal()), () => [values(s, 3, positive)]);
    check('tanh sigmoid relu', (x) => x.tanh().add(x.sigmoid()).add(x.relu()), () => [values(s, 4, awayFromZero)]);
    check('gelu erf', (x) => x.gelu().add(x.erf()), () => [values(s, 5, (v) => 2 * v)]);
    check('sin cos clip', (x) => x.sin().add(x.cos()).add(x.clip(-0.5, 0.7)), () => [values(s, 6, (v) => (Math.abs(Math.abs(v) - 0.6) < 0.15 ? v + 0.3 : v))]);
  });

  describe('binary with broadcasting', () => {
    check('add sub mul div', (a, b) => a.add(b).mul(a.sub(b)).div(b), () => [values([3, 1, 4], 10), values([2, 1], 11, positive)]);
    check('pow', (a, b) => a.pow(b), () => [values([2, 3], 12, positive), values([3], 13)]);
    check('maximum minimum', (a, b) => a.maximum(b).add(a.minimum(b.mul(0.5))), () => [values([4, 3], 14), values([3], 15, (v) => v + 0.05)]);
    check('where', (a, b) => vm.where(vm.tensor([1, 0, 1, 0]), a, b), () => [values([3, 4], 16), values([4], 17)]);
  });

  describe('reductions', () => {
    const x = (): { v: Float32Array; shape: number[] }[] => [values([3, 4, 5], 20)];
    check('sum mean over axes', (x) => x.sum([0, 1]).add(x.mean(1).sum(0)).add(x.sum([0, 2]).sum()), x);
    check('max min', (x) => x.max(1).add(x.min([0, 1], true).reshape([5])), x);
    check('variance logsumexp', (x) => x.variance(2).add(x.logsumexp(2)), x);
  });

  describe('movement', () => {
    check('permute transpose reshape', (x) => x.permute([2, 0, 1]).transpose(0, 2).reshape([4, -1]), () => [values([2, 3, 4], 30)]);
    check('slice pad', (x) => x.slice([1, 0, 2], [1, -1, 2]).pad([[1, 0], [2, 1], [0, 3]]), () => [values([2, 3, 4], 31)]);
    check('concat stack broadcastTo', (a, b) => vm.concat([a, b, a], 1).add(vm.stack([b, b], 0).sum(0)).add(a.broadcastTo([2, 4, 3]).sum(1, true)), () => [values([2, 1, 3], 32), values([2, 1, 3], 33)]);
    check('gather with repeated indices', (x) => x.gather(i32([2, 0, 2, 1]), 1), () => [values([2, 3, 2], 34)]);
  });

  describe('linear algebra and nn', () => {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = transA ? [2, 1, 4, 3] : [2, 1, 3, 4];
        const b = transB ? [5, 4] : [4, 5];
        check(`matmul transA=${transA} transB=${transB} with batch broadcasting`, (x, y) => x.matmul(y, { transA, transB }), () => [values(a, 40), values(b, 41)]);
      }
    }
    check('matmul 33x40 @ 40x35 (tiled)', (x, y) => x.matmul(y), () => [values([33, 40], 42), values([40, 35], 43)]);
    check('conv2d stride 2, padding 1, dilation 2, groups 2, bias', (x, w, b) => vm.conv2d(x, w, { stride: 2, padding: 1, dilation: 2, groups: 2, bias: b }), () => [values([2, 4, 7, 6], 44), values([6, 2, 2, 3], 45), values([6], 46)]);
    check('maxPool2d avgPool2d', (x) => vm.maxPool2d(x, 3, { stride: 2, padding: 1 }).add(vm.avgPool2d(x, 3, { stride: 2, padding: 1 })), () => [values([2, 2, 7, 6], 47)]);
    check('softmax logSoftmax', (x) => x.softmax().add(x.logSoftmax(0)), () => [values([3, 5], 50)]);
    check('crossEntropy', (x) => vm.crossEntropy(x, i32([0, 3, 1])), () => [values([3, 4], 51)]);
    check('layerNorm', (x, g, b) => vm.layerNorm(x, g, b, 1e-5), () => [values([2, 3, 6], 52), values([6], 53, (v) => 1 + 0.3 * v), values([6], 54)]);
    check('rowNorms L1 L2 Linf', (x) => vm.rowNorms(x, 1).add(vm.rowNorms(x, 2)).add(vm.rowNorms(x, Infinity)), () => [values([3, 2, 4], 55, awayFromZero)]);
  });

  describe('second order (the VARMAT regularizer)', () => {
    it('gradient of a gradient-norm penalty of an MLP matches the reference', async () => {
      const want = await valuesOn('reference', mlpPenaltyGrads);
      const got = await valuesOn('webgpu', mlpPenaltyGrads);
      const worst = Math.max(...got.map((g, i) => relError(g, want[i])));
      measured.push({ name: 'second order: MLP penalty', error: worst });
      expect(worst).toBeLessThan(TOL);
    });

    it('second order through conv2d, pooling and softmax matches the reference', async () => {
      const want = await valuesOn('reference', convPenaltyGrads);
      const got = await valuesOn('webgpu', convPenaltyGrads);
      const worst = Math.max(...got.map((g, i) => relError(g, want[i])));
      measured.push({ name: 'second order: conv/pool/softmax penalty', error: worst });
      expect(worst).toBeLessThan(TOL);
    });

    it('reports the measured errors', () => {
      const worst = measured.reduce((a, b) => (b.error > a.error ? b : a), { name: 'none', error: 0 });
      console.log(`webgpu autograd: ${measured.length} checks, worst ${worst.error.toExponential(2)} (${worst.name}), tolerance ${TOL}`);
      expect(worst.error).toBeLessThan(TOL);
    });
  });
});
