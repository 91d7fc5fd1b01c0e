// The WebGPU kernel cases: every kernel of the contract, plus the fused kernels, on seeded random
// inputs of awkward sizes, against the float64 reference (tolerance 1e-5 norm-wise unless a case
// says otherwise). Shared by the Node, Deno and Chromium runs.
import type { BinaryOp, Conv2dParams, MatmulParams, Pool2dParams, UnaryOp } from '../../src/backend/backend.js';
import { adamReference, attackStepReference, type AttackStepParams } from '../../src/backend/webgpu/fused-reference.js';
import type { GemmVariant } from '../../src/backend/webgpu/kernels/gemm-kernels.js';
import { registerBackend } from '../../src/engine.js';
import { f32, type Harness } from './harness.js';
import { convPenaltyGrads, mlpPenaltyGrads, valuesOn } from './second-order.js';

export interface KernelCase {
  name: string;
  run(h: Harness): Promise<void>;
}

const TOL = 1e-5;
const cases: KernelCase[] = [];
const add = (name: string, run: (h: Harness) => Promise<void>): void => {
  cases.push({ name, run });
};

const positive = (v: number): number => Math.abs(v) + 0.05;
const awayFromZero = (v: number): number => (v >= 0 ? v + 0.1 : v - 0.1);

// ---- elementwise ----------------------------------------------------------------------------------

const UNARY_INPUT: Partial<Record<UnaryOp, (v: number) => number>> = {
  log: positive, log1p: (v) => Math.abs(v) * 0.5 - 0.4, sqrt: positive, rsqrt: positive, reciprocal: awayFromZero,
  exp: (v) => 3 * v, tanh: (v) => 2 * v, sigmoid: (v) => 4 * v, gelu: (v) => 3 * v, erf: (v) => 2 * v, normcdf: (v) => 3 * v, normpdf: (v) => 3 * v,
  sin: (v) => 3 * v, cos: (v) => 3 * v, floor: (v) => 4 * v,
};
const FLOAT_UNARY: UnaryOp[] = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'tanh', 'sigmoid', 'relu',
  'gelu', 'erf', 'sin', 'cos', 'floor', 'isnan', 'normcdf', 'normpdf',
];

add('unary float32 ops on 1000 normal inputs', async (h) => {
  for (const op of FLOAT_UNARY) {
    const x = h.both(h.rand(1000, 10 + op.length, UNARY_INPUT[op]));
    await h.check(`unary ${op}`, h.gpu.unary(op, x.g), h.ref.unary(op, x.r));
  }
});

add('unary special functions over wide ranges (grid of 4001 points)', async (h) => {
  const grid = (lo: number, hi: number): Float64Array => Float64Array.from({ length: 4001 }, (_, i) => f32(lo + ((hi - lo) * i) / 4000));
  const ranges: [UnaryOp, number, number][] = [
    ['erf', -6, 6], ['gelu', -14, 6], ['normcdf', -14, 6], ['normpdf', -13, 13], ['tanh', -12, 12], ['sigmoid', -30, 30], ['exp', -80, 80], ['log', 1e-6, 1e6],
    ['log1p', -0.9, 10], ['sin', -10, 10], ['cos', -10, 10],
  ];
  for (const [op, lo, hi] of ranges) {
    const x = h.both(grid(lo, hi));
    await h.check(`unary ${op} on [${lo}, ${hi}]`, h.gpu.unary(op, x.g), h.ref.unary(op, x.r));
  }
  // Tiny arguments keep full relative precision (norm-wise over values near 1e-4 .. 1e-2).
  for (const op of ['tanh', 'erf', 'gelu', 'log1p', 'sin'] as UnaryOp[]) {
    const x = h.both(Float64Array.from({ length: 500 }, (_, i) => f32((i % 2 ? 1 : -1) * 1e-4 * 1.01 ** i)));
    await h.check(`unary ${op} on tiny inputs`, h.gpu.unary(op, x.g), h.ref.unary(op, x.r));
  }
});

add('unary special values: NaN, infinities, zeros', async (h) => {
  // (No subnormals: WGSL lets implementations flush them to zero, and SwiftShader does.)
  const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-37, -1e-37, 3.4e38, -3.4e38];
  for (const op of FLOAT_UNARY) {
    if (op === 'sin' || op === 'cos') continue; // sin/cos of +-3.4e38 are implementation-defined in WGSL
    const x = h.both(special);
    await h.check(`unary ${op} special values`, h.gpu.unary(op, x.g), h.ref.unary(op, x.r));
  }
});

add('unary int32 ops', async (h) => {
  for (const op of ['neg', 'abs', 'sign', 'square', 'floor', 'isnan'] as UnaryOp[]) {
    const x = h.both(h.ints(333, 5, -1000, 1000), 'int32');
    await h.check(`unary int32 ${op}`, h.gpu.unary(op, x.g), h.ref.unary(op, x.r), 0.5);
  }
});

const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const PAIRS: [number[], number[]][] = [
  [[3, 1, 5], [4, 1]], [[1], [2, 3]], [[7, 9], [7, 9]], [[], [4]], [[2, 1, 3, 1, 5], [1, 4, 1, 6, 1]], [[33, 17], [17]], [[5, 1], [1, 1]],
];

add('binary float32 ops with broadcasting', async (h) => {
  let seed = 100;
  for (const op of BINARY) {
    for (const [sa, sb] of PAIRS) {
      const na = sa.reduce((x, y) => x * y, 1);
      const nb = sb.reduce((x, y) => x * y, 1);
      const a = h.both(h.rand(na, seed++, op === 'pow' ? positive : (v) => Math.round(v * 4) / 4));
      const b = h.both(h.rand(nb, seed++, op === 'div' ? awayFromZero : (v) => Math.round(v * 4) / 4));
      const out = broadcast(sa, sb);
      await h.check(`binary ${op} [${sa}] with [${sb}]`, h.gpu.binary(op, a.g, sa, b.g, sb, out), h.ref.binary(op, a.r, sa, b.r, sb, out));
    }
  }
});

add('binary float32 special values (NaN propagation, pow and division edge cases)', async (h) => {
  const vals = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 0.5, -0.5, 3];
  const a = vals.flatMap((x) => vals.map(() => x));
  const b = vals.flatMap(() => vals);
  const n = [a.length];
  for (const op of BINARY) {
    const x = h.both(a);
    const y = h.both(b);
    await h.check(`binary ${op} special values`, h.gpu.binary(op, x.g, n, y.g, n, n), h.ref.binary(op, x.r, n, y.r, n, n));
  }
});

add('binary int32 ops with broadcasting', async (h) => {
  let seed = 300;
  for (const op of BINARY) {
    for (const [sa, sb] of PAIRS.slice(0, 4)) {
      const na = sa.reduce((x, y) => x * y, 1);
      const nb = sb.reduce((x, y) => x * y, 1);
      const a = h.both(h.ints(na, seed++, -20, 20), 'int32');
      const b = h.both(h.ints(nb, seed++, op === 'pow' ? -2 : -7, op === 'pow' ? 6 : 7), 'int32');
      const out = broadcast(sa, sb);
      await h.check(`binary int32 ${op} [${sa}] with [${sb}]`, h.gpu.binary(op, a.g, sa, b.g, sb, out), h.ref.binary(op, a.r, sa, b.r, sb, out), 1e-7);
    }
  }
});

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    return x === 1 ? y : x;
  });
}

add('where with broadcasting, float and int32 conditions', async (h) => {
  const shapes: [number[], number[], number[]][] = [[[4], [3, 4], [1]], [[2, 1, 5], [1, 3, 1], [2, 3, 5]], [[6], [6], [6]]];
  let seed = 500;
  for (const [sc, sa, sb] of shapes) {
    const out = broadcast(broadcast(sc, sa), sb);
    const n = (s: number[]): number => s.reduce((x, y) => x * y, 1);
    for (const condType of ['float32', 'int32'] as const) {
      const cond = h.both(h.ints(n(sc), seed++, -1, 2).map((v) => (condType === 'float32' && v === -1 ? NaN : v)), condType);
      const a = h.both(h.rand(n(sa), seed++));
      const b = h.both(h.rand(n(sb), seed++));
      await h.check(`where ${condType} cond [${sc}] [${sa}] [${sb}]`, h.gpu.where(cond.g, sc, a.g, sa, b.g, sb, out), h.ref.where(cond.r, sc, a.r, sa, b.r, sb, out));
    }
  }
});

add('clip and cast', async (h) => {
  const x = h.both([...h.rand(300, 600, (v) => 3 * v), NaN, Infinity, -Infinity]);
  await h.check('clip float32', h.gpu.clip(x.g, -0.7, 1.3), h.ref.clip(x.r, -0.7, 1.3));
  const xi = h.both(h.ints(300, 601, -10, 10), 'int32');
  await h.check('clip int32 [-2.5, 3.7]', h.gpu.clip(xi.g, -2.5, 3.7), h.ref.clip(xi.r, -2.5, 3.7), 1e-7);
  await h.check('clip int32 [-inf, 4]', h.gpu.clip(xi.g, -Infinity, 4), h.ref.clip(xi.r, -Infinity, 4), 1e-7);
  const big = [0.5, -0.5, 1.9, -1.9, 2147483520, -2147483648, 3e9, -3e9, 1e20, NaN, Infinity, -Infinity, 123456.7, ...h.rand(100, 602, (v) => 1e4 * v)];
  const xf = h.both(big);
  await h.check('cast float32 -> int32 (truncation, wrap-around, NaN)', h.gpu.cast(xf.g, 'int32'), h.ref.cast(xf.r, 'int32'), 1e-7);
  await h.check('cast int32 -> float32', h.gpu.cast(xi.g, 'float32'), h.ref.cast(xi.r, 'float64'));
  await h.check('cast float32 -> float32 (copy)', h.gpu.cast(x.g, 'float32'), h.ref.cast(x.r, 'float64'));
});

// ---- reductions -----------------------------------------------------------------------------------

add('reduce sum / max / min over axis sets', async (h) => {
  const configs: [number[], number[]][] = [
    [[3, 5, 7, 2], [1]], [[3, 5, 7, 2], [0, 2]], [[3, 5, 7, 2], [0, 1, 2, 3]], [[3, 5, 7, 2], [3]], [[3, 5, 7, 2], []],
    [[130, 517], [1]], [[1000, 3], [0]], [[4, 1, 300], [0, 2]], [[2, 3, 4, 5, 6], [0, 2, 4]],
  ];
  let seed = 700;
  for (const [shape, axes] of configs) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = h.both(h.rand(n, seed++));
    for (const op of ['sum', 'max', 'min'] as const) {
      await h.check(`reduce ${op} [${shape}] axes [${axes}]`, h.gpu.reduce(op, x.g, shape, axes), h.ref.reduce(op, x.r, shape, axes));
    }
    const xi = h.both(h.ints(n, seed++, -100, 100), 'int32');
    for (const op of ['sum', 'max', 'min'] as const) {
      await h.check(`reduce int32 ${op} [${shape}] axes [${axes}]`, h.gpu.reduce(op, xi.g, shape, axes), h.ref.reduce(op, xi.r, shape, axes), 1e-7);
    }
  }
  const withNan = h.both([1, NaN, 3, 4, 5, 6, -Infinity, 2]);
  for (const op of ['sum', 'max', 'min'] as const) {
    await h.check(`reduce ${op} propagates NaN`, h.gpu.reduce(op, withNan.g, [2, 4], [1]), h.ref.reduce(op, withNan.r, [2, 4], [1]));
  }
});

add('argmax / argmin with ties and NaN', async (h) => {
  const x = h.both(h.rand(4 * 9 * 5, 800, (v) => Math.round(v * 2)));
  for (const op of ['argmax', 'argmin'] as const) {
    for (const axis of [0, 1, 2]) {
      await h.check(`${op} axis ${axis}`, h.gpu.argReduce(op, x.g, [4, 9, 5], axis), h.ref.argReduce(op, x.r, [4, 9, 5], axis), 1e-7);
    }
    const nan = h.both([1, 5, NaN, 5, 2, -1, NaN, 0]);
    await h.check(`${op} NaN wins`, h.gpu.argReduce(op, nan.g, [2, 4], 1), h.ref.argReduce(op, nan.r, [2, 4], 1), 1e-7);
    const xi = h.both(h.ints(60, 801, 0, 5), 'int32');
    await h.check(`${op} int32`, h.gpu.argReduce(op, xi.g, [6, 10], 1), h.ref.argReduce(op, xi.r, [6, 10], 1), 1e-7);
  }
});

// ---- movement -------------------------------------------------------------------------------------

add('strided copy: permute, slice, broadcast', async (h) => {
  const x = h.both(h.rand(3 * 4 * 5 * 2, 900));
  const shape = [3, 4, 5, 2];
  const st = [40, 10, 2, 1];
  const perms = [[3, 0, 2, 1], [1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1]];
  for (const p of perms) {
    const outShape = p.map((a) => shape[a]);
    const strides = p.map((a) => st[a]);
    await h.check(`permute [${p}]`, h.gpu.stridedCopy(x.g, outShape, strides, 0), h.ref.stridedCopy(x.r, outShape, strides, 0), 1e-7);
  }
  await h.check('slice with offset and steps', h.gpu.stridedCopy(x.g, [2, 2, 3], [40, 20, 2], 11), h.ref.stridedCopy(x.r, [2, 2, 3], [40, 20, 2], 11), 1e-7);
  await h.check('broadcast (stride 0)', h.gpu.stridedCopy(x.g, [4, 3, 5], [0, 40, 2], 1), h.ref.stridedCopy(x.r, [4, 3, 5], [0, 40, 2], 1), 1e-7);
  const xi = h.both(h.ints(24, 901, -5, 5), 'int32');
  await h.check('transpose int32', h.gpu.stridedCopy(xi.g, [6, 4], [1, 6], 0), h.ref.stridedCopy(xi.r, [6, 4], [1, 6], 0), 1e-7);
  const big = h.both(h.rand(9 * 8 * 7 * 6 * 5 * 4 * 3 * 2, 902).subarray(0, 2 * 3 * 2 * 3 * 2 * 3 * 2 * 3));
  const s8 = [2, 3, 2, 3, 2, 3, 2, 3];
  const st8 = [1, 2, 6, 12, 36, 72, 216, 432];
  await h.check('rank-8 permutation', h.gpu.stridedCopy(big.g, s8, st8, 0), h.ref.stridedCopy(big.r, s8, st8, 0), 1e-7);
});

add('pad, concat', async (h) => {
  const x = h.both(h.rand(3 * 4 * 5, 1000));
  const pads: (readonly [number, number])[][] = [[[1, 2], [0, 0], [3, 1]], [[0, 0], [0, 0], [2, 0]], [[0, 1], [1, 1], [0, 0]]];
  for (const p of pads) {
    await h.check(`pad ${JSON.stringify(p)}`, h.gpu.pad(x.g, [3, 4, 5], p, 0.5), h.ref.pad(x.r, [3, 4, 5], p, 0.5), 1e-7);
  }
  const xi = h.both(h.ints(12, 1001, -5, 5), 'int32');
  await h.check('pad int32 value -3', h.gpu.pad(xi.g, [3, 4], [[1, 1], [2, 0]], -3), h.ref.pad(xi.r, [3, 4], [[1, 1], [2, 0]], -3), 1e-7);
  const shapes = [[3, 2, 5], [3, 4, 5], [3, 1, 5]];
  for (const axis of [0, 1, 2]) {
    const parts = shapes.map((s, i) => {
      const shp = s.map((d, j) => (j === axis ? d : [3, 2, 5][j]));
      return { shape: shp, v: h.both(h.rand(shp.reduce((a, b) => a * b, 1), 1010 + i)) };
    });
    await h.check(`concat axis ${axis}`, h.gpu.concat(parts.map((p) => ({ h: p.v.g, shape: p.shape })), axis), h.ref.concat(parts.map((p) => ({ h: p.v.r, shape: p.shape })), axis), 1e-7);
  }
});

add('gather, scatterAdd (repeated indices), oneHot', async (h) => {
  const x = h.both(h.rand(5 * 6 * 3, 1100));
  const idx = h.both([4, 0, 0, 2, 5, 1, 4], 'int32');
  await h.check('gather axis 1', h.gpu.gather(x.g, [5, 6, 3], idx.g, 7, 1), h.ref.gather(x.r, [5, 6, 3], idx.r, 7, 1), 1e-7);
  const idx0 = h.both([3, 3, 1], 'int32');
  await h.check('gather axis 0', h.gpu.gather(x.g, [5, 6, 3], idx0.g, 3, 0), h.ref.gather(x.r, [5, 6, 3], idx0.r, 3, 0), 1e-7);
  const g = h.both(h.rand(5 * 7 * 3, 1101));
  await h.check('scatterAdd axis 1', h.gpu.scatterAdd(g.g, idx.g, 7, [5, 6, 3], 1), h.ref.scatterAdd(g.r, idx.r, 7, [5, 6, 3], 1));
  const gi = h.both(h.ints(3 * 18, 1102, -9, 9), 'int32');
  await h.check('scatterAdd int32 axis 0', h.gpu.scatterAdd(gi.g, idx0.g, 3, [5, 6, 3], 0), h.ref.scatterAdd(gi.r, idx0.r, 3, [5, 6, 3], 0), 1e-7);
  const labels = h.both([0, 3, 9, 2, -1, 10, 5], 'int32');
  await h.check('oneHot float32 (out-of-range rows are zero)', h.gpu.oneHot(labels.g, 7, 10, 'float32'), h.ref.oneHot(labels.r, 7, 10, 'float64'), 1e-7);
  await h.check('oneHot int32', h.gpu.oneHot(labels.g, 7, 10, 'int32'), h.ref.oneHot(labels.r, 7, 10, 'int32'), 1e-7);
});

add('fill and upload round trip', async (h) => {
  await h.check('fill float32', h.gpu.fill(1001, 'float32', 0.1), h.ref.fill(1001, 'float64', f32(0.1)), 1e-7);
  await h.check('fill int32', h.gpu.fill(77, 'int32', -42), h.ref.fill(77, 'int32', -42), 1e-7);
  const v = h.both(h.ints(99, 1200, -(2 ** 31), 2 ** 31 - 1), 'int32');
  await h.check('upload int32 extremes', h.gpu.cast(v.g, 'int32'), h.ref.cast(v.r, 'int32'), 1e-7);
});

// ---- matmul ---------------------------------------------------------------------------------------

function matmulParams(m: number, n: number, k: number, opts: Partial<MatmulParams> = {}): MatmulParams {
  return { batch: 1, m, n, k, transA: false, transB: false, batchedA: false, batchedB: false, ...opts };
}

async function checkMatmul(h: Harness, label: string, p: MatmulParams, seed: number, variant?: GemmVariant): Promise<void> {
  const a = h.both(h.rand((p.batchedA ? p.batch : 1) * p.m * p.k, seed));
  const b = h.both(h.rand((p.batchedB ? p.batch : 1) * p.k * p.n, seed + 1));
  const g = variant ? h.gpu.matmulVariant(a.g, b.g, p, variant) : h.gpu.matmul(a.g, b.g, p);
  await h.check(`matmul ${label}${variant ? ` (${variant})` : ''}`, g, h.ref.matmul(a.r, b.r, p));
}

add('matmul: awkward shapes, all transpose flags, automatic variant', async (h) => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [7, 13, 5], [33, 65, 17], [64, 64, 64], [1, 100, 300], [100, 1, 300], [5, 7, 1000], [3, 2, 700], [40, 36, 44], [31, 97, 0],
  ];
  let seed = 2000;
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        await checkMatmul(h, `${m}x${n}x${k} tA=${transA} tB=${transB}`, matmulParams(m, n, k, { transA, transB }), (seed += 2));
      }
    }
  }
});

add('matmul: batches with broadcasting', async (h) => {
  let seed = 2500;
  for (const [batchedA, batchedB] of [[true, true], [true, false], [false, true]]) {
    for (const [transA, transB] of [[false, false], [true, true]]) {
      await checkMatmul(h, `batch 3 bA=${batchedA} bB=${batchedB} tA=${transA} tB=${transB}`, matmulParams(9, 11, 13, { batch: 3, batchedA, batchedB, transA, transB }), (seed += 2));
    }
  }
});

add('matmul: every GEMM variant forced', async (h) => {
  let seed = 2700;
  const variants: GemmVariant[] = ['tiled', 'tiled-vec4', 'dot', 'thread', 'split-k', 'split-k-vec4'];
  for (const variant of variants) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      // 36 x 44 x 300: every inner dimension a multiple of 4, so the vec4 forms apply.
      await checkMatmul(h, `36x44x300 tA=${transA} tB=${transB}`, matmulParams(36, 44, 300, { transA, transB }), (seed += 2), variant);
    }
    await checkMatmul(h, 'batch 2 broadcast B 12x20x72', matmulParams(12, 20, 72, { batch: 2, batchedA: true }), (seed += 2), variant);
  }
  for (const variant of ['tiled', 'dot', 'thread', 'split-k'] as GemmVariant[]) {
    await checkMatmul(h, '37x45x301 tA=true tB=true', matmulParams(37, 45, 301, { transA: true, transB: true }), (seed += 2), variant);
  }
});

add('matmul with the fused bias + activation epilogue, every variant', async (h) => {
  let seed = 2900;
  const shapes: [number, number, number][] = [[36, 44, 300], [7, 13, 5], [3, 2, 700], [1, 24, 100], [5, 8, 0]];
  for (const [m, n, k] of shapes) {
    for (const activation of ['none', 'relu', 'gelu'] as const) {
      const p = matmulParams(m, n, k, { transB: true });
      const a = h.both(h.rand(m * k, seed++));
      const b = h.both(h.rand(k * n, seed++));
      const bias = h.both(h.rand(n, seed++));
      const variants: (GemmVariant | undefined)[] = m % 4 === 0 && n % 4 === 0 && k % 4 === 0 && k > 0 ? [undefined, 'tiled', 'tiled-vec4', 'dot', 'thread', 'split-k', 'split-k-vec4'] : [undefined, 'tiled', 'dot', 'thread'];
      for (const v of variants) {
        const mm = h.own('ref', h.ref.matmul(a.r, b.r, p));
        const pre = h.own('ref', h.ref.binary('add', mm, [m, n], bias.r, [n], [m, n]));
        const want = activation === 'none' ? h.ref.cast(pre, 'float64') : h.ref.unary(activation, pre);
        const got = v ? h.gpu.matmulVariant(a.g, b.g, p, v, bias.g, activation) : h.gpu.matmulBiasActivation(a.g, b.g, p, bias.g, activation);
        await h.check(`matmul ${m}x${n}x${k} + bias, ${activation} (${v ?? 'auto'})`, got, want);
      }
    }
  }
});

// ---- convolution ----------------------------------------------------------------------------------

function convParams(c: { n: number; inC: number; inH: number; inW: number; outC: number; kH: number; kW: number; stride?: [number, number]; pad?: [number, number]; dil?: [number, number]; groups?: number }): Conv2dParams {
  const [strideH, strideW] = c.stride ?? [1, 1];
  const [padH, padW] = c.pad ?? [0, 0];
  const [dilationH, dilationW] = c.dil ?? [1, 1];
  const outH = Math.floor((c.inH + 2 * padH - dilationH * (c.kH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((c.inW + 2 * padW - dilationW * (c.kW - 1) - 1) / strideW) + 1;
  return { n: c.n, inC: c.inC, inH: c.inH, inW: c.inW, outC: c.outC, kH: c.kH, kW: c.kW, strideH, strideW, padH, padW, dilationH, dilationW, groups: c.groups ?? 1, outH, outW };
}

const CONVS: [string, Conv2dParams][] = [
  ['3x3 pad 1', convParams({ n: 2, inC: 3, inH: 9, inW: 7, outC: 5, kH: 3, kW: 3, pad: [1, 1] })],
  ['stride 2, pad (2,1), 4x3 kernel', convParams({ n: 2, inC: 4, inH: 11, inW: 10, outC: 6, kH: 4, kW: 3, stride: [2, 2], pad: [2, 1] })],
  ['dilation 2, stride (1,2)', convParams({ n: 1, inC: 3, inH: 12, inW: 13, outC: 4, kH: 3, kW: 3, dil: [2, 2], stride: [1, 2], pad: [1, 2] })],
  ['groups 2', convParams({ n: 2, inC: 4, inH: 8, inW: 8, outC: 6, kH: 3, kW: 3, groups: 2, pad: [1, 1] })],
  ['depthwise (groups = channels), stride 3', convParams({ n: 3, inC: 5, inH: 10, inW: 9, outC: 10, kH: 2, kW: 3, groups: 5, stride: [3, 3] })],
  ['1x1 kernel', convParams({ n: 2, inC: 7, inH: 5, inW: 6, outC: 3, kH: 1, kW: 1 })],
  ['long K (grad filter): 4 images 16x16, 2 channels', convParams({ n: 4, inC: 2, inH: 16, inW: 16, outC: 3, kH: 3, kW: 3, pad: [1, 1] })],
];

add('conv2d forward, grad input and grad filter: stride, padding, dilation, groups', async (h) => {
  let seed = 3000;
  for (const [label, p] of CONVS) {
    const x = h.both(h.rand(p.n * p.inC * p.inH * p.inW, seed++));
    const w = h.both(h.rand(p.outC * (p.inC / p.groups) * p.kH * p.kW, seed++));
    const dy = h.both(h.rand(p.n * p.outC * p.outH * p.outW, seed++));
    await h.check(`conv2d ${label}`, h.gpu.conv2d(x.g, w.g, p), h.ref.conv2d(x.r, w.r, p));
    await h.check(`conv2dGradInput ${label}`, h.gpu.conv2dGradInput(dy.g, w.g, p), h.ref.conv2dGradInput(dy.r, w.r, p));
    await h.check(`conv2dGradFilter ${label}`, h.gpu.conv2dGradFilter(x.g, dy.g, p), h.ref.conv2dGradFilter(x.r, dy.r, p));
  }
});

add('conv2d: every applicable GEMM variant forced', async (h) => {
  let seed = 3100;
  for (const [label, p] of [CONVS[1], CONVS[2], CONVS[3]]) {
    const x = h.both(h.rand(p.n * p.inC * p.inH * p.inW, seed++));
    const w = h.both(h.rand(p.outC * (p.inC / p.groups) * p.kH * p.kW, seed++));
    const dy = h.both(h.rand(p.n * p.outC * p.outH * p.outW, seed++));
    for (const v of ['tiled', 'dot', 'thread', 'split-k'] as GemmVariant[]) {
      await h.check(`conv2d ${label} (${v})`, h.gpu.convVariant('forward', x.g, w.g, p, v), h.ref.conv2d(x.r, w.r, p));
      await h.check(`conv2dGradInput ${label} (${v})`, h.gpu.convVariant('gradInput', dy.g, w.g, p, v), h.ref.conv2dGradInput(dy.r, w.r, p));
      await h.check(`conv2dGradFilter ${label} (${v})`, h.gpu.convVariant('gradFilter', x.g, dy.g, p, v), h.ref.conv2dGradFilter(x.r, dy.r, p));
    }
  }
});

// ---- pooling --------------------------------------------------------------------------------------

function poolParams(n: number, c: number, inH: number, inW: number, k: number, stride: number, pad: number): Pool2dParams {
  const outH = Math.floor((inH + 2 * pad - k) / stride) + 1;
  const outW = Math.floor((inW + 2 * pad - k) / stride) + 1;
  return { n, c, inH, inW, kH: k, kW: k, strideH: stride, strideW: stride, padH: pad, padW: pad, outH, outW };
}

add('max and average pooling, average pooling backward', async (h) => {
  let seed = 4000;
  for (const p of [poolParams(2, 3, 9, 7, 2, 2, 0), poolParams(1, 2, 10, 11, 3, 2, 1), poolParams(2, 2, 6, 6, 3, 1, 1), poolParams(1, 1, 5, 5, 5, 5, 2)]) {
    const label = `${p.inH}x${p.inW} k${p.kH} s${p.strideH} p${p.padH}`;
    const x = h.both(h.rand(p.n * p.c * p.inH * p.inW, seed++, (v) => Math.round(v * 2) / 2));
    const gv = h.gpu.maxPool2d(x.g, p);
    const rv = h.ref.maxPool2d(x.r, p);
    await h.check(`maxPool2d values ${label}`, gv.values, rv.values);
    await h.check(`maxPool2d indices ${label}`, gv.indices, rv.indices, 1e-7);
    await h.check(`avgPool2d ${label}`, h.gpu.avgPool2d(x.g, p), h.ref.avgPool2d(x.r, p));
    const dy = h.both(h.rand(p.n * p.c * p.outH * p.outW, seed++));
    await h.check(`avgPool2dBackward ${label}`, h.gpu.avgPool2dBackward(dy.g, p), h.ref.avgPool2dBackward(dy.r, p));
  }
  const p = poolParams(1, 1, 2, 4, 2, 2, 0);
  const nan = h.both([1, NaN, 3, 3, 2, 5, 3, 1]);
  const gv = h.gpu.maxPool2d(nan.g, p);
  const rv = h.ref.maxPool2d(nan.r, p);
  await h.check('maxPool2d NaN values', gv.values, rv.values);
  await h.check('maxPool2d NaN/tie indices', gv.indices, rv.indices, 1e-7);
});

// ---- row ops --------------------------------------------------------------------------------------

add('softmax, logSoftmax, layerNorm, rowNorms', async (h) => {
  let seed = 5000;
  for (const [rows, cols] of [[7, 10], [3, 1000], [130, 3], [1, 1], [5, 64]]) {
    const x = h.both(h.rand(rows * cols, seed++, (v) => 3 * v));
    await h.check(`softmax ${rows}x${cols}`, h.gpu.softmax(x.g, rows, cols), h.ref.softmax(x.r, rows, cols));
    await h.check(`logSoftmax ${rows}x${cols}`, h.gpu.logSoftmax(x.g, rows, cols), h.ref.logSoftmax(x.r, rows, cols));
    const gamma = h.both(h.rand(cols, seed++, (v) => 1 + 0.3 * v));
    const beta = h.both(h.rand(cols, seed++));
    await h.check(`layerNorm ${rows}x${cols}`, h.gpu.layerNorm(x.g, gamma.g, beta.g, rows, cols, 1e-5), h.ref.layerNorm(x.r, gamma.r, beta.r, rows, cols, 1e-5));
    const dy = h.both(h.rand(rows * cols, seed++));
    const cdf = h.both(h.rand(rows * cols, seed++, (v) => 0.5 + 0.4 * v));
    await h.check(`geluBackward ${rows}x${cols}`, h.gpu.geluBackward(dy.g, x.g, cdf.g), h.ref.geluBackward(dy.r, x.r, cdf.r));
    const [gdx, ggx] = h.gpu.layerNormBackward(x.g, gamma.g, dy.g, rows, cols, 1e-5);
    const [rdx, rgx] = h.ref.layerNormBackward(x.r, gamma.r, dy.r, rows, cols, 1e-5);
    await h.check(`layerNormBackward dx ${rows}x${cols}`, gdx, rdx);
    await h.check(`layerNormBackward g*xhat ${rows}x${cols}`, ggx, rgx);
    for (const p of [1, 2, Infinity] as const) {
      await h.check(`rowNorms p=${p} ${rows}x${cols}`, h.gpu.rowNorms(x.g, rows, cols, p), h.ref.rowNorms(x.r, rows, cols, p));
    }
  }
  // The probe on gradients of very different scales: tiny rows must not underflow, huge not overflow.
  const scales = [1e-30, 1e-20, 1, 1e20, 1e30];
  const v = scales.flatMap((s, i) => Array.from(h.rand(50, 5100 + i), (x) => f32(x * s)));
  const x = h.both(v);
  for (const p of [1, 2, Infinity] as const) {
    if (p === 1) continue; // L1 of 50 values of 1e30 is fine, but of 1e-30 squares are not involved: covered above
    await h.check(`rowNorms p=${p} rows of scale 1e-30 .. 1e30`, h.gpu.rowNorms(x.g, 5, 50, p), h.ref.rowNorms(x.r, 5, 50, p));
  }
  const special = h.both([1, NaN, 2, 3, Infinity, 1, 0, 0, 0]);
  for (const p of [1, 2, Infinity] as const) {
    await h.check(`rowNorms p=${p} NaN / Inf / zero rows`, h.gpu.rowNorms(special.g, 3, 3, p), h.ref.rowNorms(special.r, 3, 3, p));
  }
  await h.check('softmax with NaN and -Infinity', h.gpu.softmax(special.g, 3, 3), h.ref.softmax(special.r, 3, 3));
});

// ---- fused kernels --------------------------------------------------------------------------------

add('fused attack step: L-inf and L2, shared or per-row budgets, value clip', async (h) => {
  const rows = 6;
  const cols = 37;
  let seed = 6000;
  for (const norm of ['linf', 'l2'] as const) {
    for (const perRow of [false, true]) {
      for (const clipRange of [false, true]) {
        const delta = h.rand(rows * cols, seed++, (v) => 0.1 * v);
        const grad = h.rand(rows * cols, seed++, (v) => (seed % 2 ? 1e-25 : 1) * v);
        grad.fill(0, 0, cols); // a zero-gradient row: no step
        const x = h.rand(rows * cols, seed++, (v) => Math.min(1, Math.max(0, 0.5 + 0.4 * v)));
        const epsRows = Float64Array.from({ length: rows }, (_, r) => f32(0.05 + 0.3 * r));
        const p: AttackStepParams = { rows, cols, norm, step: 0.2, eps: 0.25, ...(clipRange ? { lo: 0, hi: 1 } : {}) };
        const [dg, gg, xg, eg] = [delta, grad, x, epsRows].map((a) => h.own('gpu', h.gpu.upload(Float32Array.from(a), 'float32')));
        const out = await h.read(h.gpu.attackStep(dg, gg, p, perRow ? eg : undefined, clipRange ? xg : undefined));
        const want = attackStepReference(delta, grad, p, perRow ? epsRows : undefined, clipRange ? x : undefined);
        h.record(`attackStep ${norm} perRowEps=${perRow} clip=${clipRange}`, out, want);
      }
    }
  }
});

add('fused Adam and AdamW steps', async (h) => {
  let seed = 6100;
  for (const decoupled of [false, true]) {
    for (const t of [1, 7]) {
      const n = 1234;
      const [w, g] = [h.rand(n, seed++), h.rand(n, seed++)];
      const m = h.rand(n, seed++, (v) => 0.1 * v);
      const v = h.rand(n, seed++, (x) => 0.01 * x * x);
      const p = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled, t };
      const hs = [w, g, m, v].map((a) => h.own('gpu', h.gpu.upload(Float32Array.from(a), 'float32')));
      const out = h.gpu.adamStep(hs[0], hs[1], hs[2], hs[3], p);
      const want = adamReference(w, g, m, v, p);
      const tag = `${decoupled ? 'AdamW' : 'Adam'} t=${t}`;
      h.record(`${tag} param`, await h.read(out.param), want.param);
      h.record(`${tag} m`, await h.read(out.m), want.m);
      h.record(`${tag} v`, await h.read(out.v), want.v);
    }
  }
});

add('empty tensors', async (h) => {
  const e = h.both([]);
  await h.check('unary on empty', h.gpu.unary('exp', e.g), h.ref.unary('exp', e.r));
  await h.check('sum of empty axis', h.gpu.reduce('sum', e.g, [3, 0], [1]), h.ref.reduce('sum', e.r, [3, 0], [1]));
  await h.check('matmul with k = 0', h.gpu.matmul(e.g, e.g, matmulParams(2, 3, 0)), h.ref.matmul(e.r, e.r, matmulParams(2, 3, 0)));
});

add('ops: second order (gradient of a gradient-norm penalty) on webgpu vs reference, float32', async (h) => {
  registerBackend(h.gpu);
  for (const [label, run] of [['MLP penalty', mlpPenaltyGrads], ['conv/pool/softmax penalty', convPenaltyGrads]] as const) {
    const want = await valuesOn('reference', run);
    const got = await valuesOn('webgpu', run);
    got.forEach((g, i) => h.record(`${label} ${i === 0 ? 'value' : `gradient ${i}`}`, g, want[i]));
  }
});

/** Every case, in order. */
export const KERNEL_CASES: readonly KernelCase[] = cases;
export { TOL };
