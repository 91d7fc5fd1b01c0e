// Equivalence of the WebAssembly backend with the float64 reference backend, kernel by kernel, at
// the backend-contract level (upload -> kernel -> readSync), for every build of the kernels module:
// relaxed SIMD (where this runtime can enable it), SIMD, and scalar.

import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Conv2dParams, DataHandle, MatmulParams, Pool2dParams } from '../../src/backend/backend.js';
import { ReferenceBackend } from '../../src/backend/reference/reference-backend.js';
import { createWasmBackend, type WasmBackend, type WasmVariant } from '../../src/backend/wasm/wasm-backend.js';
import type { DType } from '../../src/dtype.js';
import { VarmatError } from '../../src/errors.js';
import { sizeOf, stridesOf } from '../../src/shape.js';
import { compare, firstMismatch, integers, uniform } from './compare.js';

// Node 20 ships relaxed SIMD behind a flag; turning it on here lets the relaxed build be tested too.
try {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
} catch {
  // Not fatal: the relaxed suite is then skipped.
}

const TOL = 1e-5;
const SIZES = [1, 3, 7, 17, 33, 65, 127, 1031];

/** Worst norm-wise error seen per kernel and build, printed at the end. */
const worst = new Map<string, number>();

interface Input {
  values: Float32Array | Int32Array;
  dtype?: DType;
}

type Outputs = DataHandle | DataHandle[];

/**
 * Runs `run` on the wasm backend (inputs as float32/int32) and on the reference backend (the same
 * values as float64/int32), and compares every output: float outputs norm-wise against the float64
 * reference, int32 outputs exactly. Releases everything and checks that no bytes leak.
 */
function check(be: WasmBackend, label: string, inputs: Input[], run: (b: Backend, hs: DataHandle[]) => Outputs, tol = TOL): void {
  const ref = new ReferenceBackend();
  const startBytes = be.bytesInUse();
  const startBlocks = be.allocatorStats().liveBlocks;
  const dtypeOf = (i: Input): DType => i.dtype ?? (i.values instanceof Int32Array ? 'int32' : 'float32');
  const wh = inputs.map((i) => be.upload(i.values, dtypeOf(i)));
  const rh = inputs.map((i) =>
    dtypeOf(i) === 'int32' ? ref.upload(i.values, 'int32') : ref.upload(Float64Array.from(i.values), 'float64'),
  );
  const wOut = ([] as DataHandle[]).concat(run(be, wh));
  const rOut = ([] as DataHandle[]).concat(run(ref, rh));
  expect(wOut.length).toBe(rOut.length);
  for (let o = 0; o < wOut.length; o++) {
    const got = be.readSync(wOut[o]!);
    const want = ref.readSync(rOut[o]!);
    const name = `${label}${wOut.length > 1 ? `[${o}]` : ''}`;
    if (rOut[o]!.dtype === 'int32') {
      expect(wOut[o]!.dtype, name).toBe('int32');
      expect(firstMismatch(got, want), name).toBeUndefined();
    } else {
      expect(wOut[o]!.dtype, name).not.toBe('int32');
      const { rel, problem } = compare(got, want);
      expect(problem, name).toBeUndefined();
      expect(rel, name).toBeLessThan(tol);
      const key = `${label.split(' ')[0]} (${be.variant}${be.threads > 1 ? `, ${be.threads} threads` : ''})`;
      worst.set(key, Math.max(worst.get(key) ?? 0, rel));
    }
  }
  for (const h of [...wh, ...wOut]) be.release(h);
  expect(be.bytesInUse(), `${label}: bytesInUse`).toBe(startBytes);
  expect(be.allocatorStats().liveBlocks, `${label}: live blocks`).toBe(startBlocks);
}

function convOut(inSize: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((inSize + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

function convParams(
  n: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number,
  o: { stride?: [number, number]; pad?: [number, number]; dil?: [number, number]; groups?: number } = {},
): Conv2dParams {
  const [strideH, strideW] = o.stride ?? [1, 1];
  const [padH, padW] = o.pad ?? [0, 0];
  const [dilationH, dilationW] = o.dil ?? [1, 1];
  return {
    n, inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups: o.groups ?? 1,
    outH: convOut(inH, kH, strideH, padH, dilationH), outW: convOut(inW, kW, strideW, padW, dilationW),
  };
}

function poolParams(n: number, c: number, inH: number, inW: number, k: number, stride: number, pad: number): Pool2dParams {
  return {
    n, c, inH, inW, kH: k, kW: k, strideH: stride, strideW: stride, padH: pad, padW: pad,
    outH: Math.floor((inH + 2 * pad - k) / stride) + 1, outW: Math.floor((inW + 2 * pad - k) / stride) + 1,
  };
}

/** Values with NaN, infinities and signed zeros sprinkled in. */
function withSpecials(n: number, seed: number): Float32Array {
  const v = uniform(n, seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0];
  for (let i = 0; i < n; i += 11) v[i] = specials[(i / 11) % specials.length]!;
  return v;
}

// Each build single-threaded, and the SIMD builds again with two threads over a shared memory
// (every kernel that can be split is split over the threads, however small).
const variants: [WasmVariant, number][] = [['relaxed', 1], ['simd', 1], ['scalar', 1], ['relaxed', 2], ['simd', 2]];

describe.each(variants)('wasm backend (%s build, %i thread(s)) vs reference', (variant, threads) => {
  let be: WasmBackend;
  let available = true;

  beforeAll(async () => {
    be = await createWasmBackend({
      ...(variant === 'scalar' ? { simd: false } : variant === 'simd' ? { relaxedSimd: false } : {}),
      threads, minParallelFlops: 0, minParallelElements: 0,
    });
    available = be.variant === variant && be.threads === threads;
    // CI's Node has worker_threads and SharedArrayBuffer: the threaded variants must run there.
    if (process.env.CI && threads > 1 && be.threads !== threads) throw new Error(`CI: threads unavailable: ${be.describe()}`);
  });

  afterAll(() => be?.destroy());

  it('instantiates the requested build', (ctx) => {
    if (!available) ctx.skip();
    expect(be.variant).toBe(variant);
    expect(be.threads).toBe(threads);
    expect(be.name).toBe('wasm');
    expect(be.supports('float32')).toBe(true);
    expect(be.supports('int32')).toBe(true);
    expect(be.supports('float64')).toBe(false);
    expect(be.describe()).toMatch(/wasm/);
  });

  it('uploads, fills, reads and casts', (ctx) => {
    if (!available) ctx.skip();
    for (const n of SIZES) {
      const f = uniform(n, n, -1e3, 1e3);
      check(be, `cast f32->i32 n=${n}`, [{ values: f }], (b, [x]) => b.cast(x!, 'int32'));
      check(be, `cast i32->f32 n=${n}`, [{ values: integers(n, n, -(2 ** 30), 2 ** 30) }], (b, [x]) => b.cast(x!, 'float32'));
      check(be, `cast f32->f32 n=${n}`, [{ values: f }], (b, [x]) => b.cast(x!, 'float32'));
      check(be, `fill n=${n}`, [], (b) => [b.fill(n, 'float32', 0.1), b.fill(n, 'int32', -7)]);
    }
    // JavaScript's ToInt32: truncation, wrap-around, NaN and infinities to 0.
    const odd = new Float32Array([NaN, Infinity, -Infinity, -0.5, 2.5e9, -3e9, 1e20, -2.9, 2147483520, 3e38, 7.9]);
    check(be, 'cast specials', [{ values: odd }], (b, [x]) => b.cast(x!, 'int32'));
    const h = be.upload(new Int32Array([1, -2, 3]), 'int32');
    expect(Array.from(be.readSync(h))).toEqual([1, -2, 3]);
    be.release(h);
  });

  it('unary ops', (ctx) => {
    if (!available) ctx.skip();
    const ops = [
      'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal',
      'tanh', 'sigmoid', 'relu', 'gelu', 'erf', 'sin', 'cos', 'floor', 'isnan', 'normcdf', 'normpdf',
    ] as const;
    const positive = new Set(['log', 'sqrt', 'rsqrt']);
    for (const op of ops) {
      for (const n of SIZES) {
        const x = positive.has(op) ? uniform(n, n + 1, 1e-3, 10) : uniform(n, n + 1, -6, 6);
        check(be, `${op} n=${n}`, [{ values: x }], (b, [h]) => b.unary(op, h!));
      }
      check(be, `${op} specials`, [{ values: withSpecials(200, 5) }], (b, [h]) => b.unary(op, h!));
      check(be, `${op} int32`, [{ values: integers(33, 3, -5, 5) }], (b, [h]) => b.unary(op, h!));
    }
  });

  it('transcendental ops are accurate to float32 rounding element by element', (ctx) => {
    if (!available) ctx.skip();
    const n = 4001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / (n - 1);
    const ref = new ReferenceBackend();
    for (const op of ['exp', 'tanh', 'sigmoid', 'gelu', 'erf', 'normcdf', 'normpdf', 'log'] as const) {
      const input = op === 'log' ? x.map((v) => Math.abs(v) + 1e-30) : x;
      const h = be.upload(input, 'float32');
      const out = be.unary(op, h);
      const got = be.readSync(out);
      const r = ref.upload(Float64Array.from(input), 'float64');
      const want = ref.readSync(ref.unary(op, r));
      let maxRel = 0;
      for (let i = 0; i < n; i++) {
        const w = Math.fround(want[i]!);
        if (!Number.isFinite(w)) {
          expect(got[i], `${op}(${input[i]})`).toBe(w);
          continue;
        }
        if (Math.abs(want[i]!) < 1.1754943508222875e-38) {
          // Subnormal results: within one subnormal step (2^-149) of the float64 value.
          expect(Math.abs(got[i]! - want[i]!), `${op}(${input[i]})`).toBeLessThanOrEqual(1.401298464324817e-45);
          continue;
        }
        maxRel = Math.max(maxRel, Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!));
      }
      // Correct rounding of the float64 value would give at most 2^-24 = 6e-8.
      expect(maxRel, op).toBeLessThan(1.2e-7);
      worst.set(`${op} elementwise max rel (${be.variant})`, maxRel);
      be.release(h);
      be.release(out);
    }
  });

  it('clip', (ctx) => {
    if (!available) ctx.skip();
    for (const n of SIZES) {
      check(be, `clip n=${n}`, [{ values: withSpecials(n, n) }], (b, [h]) => b.clip(h!, -0.5, 0.75));
    }
    check(be, 'clip inf bounds', [{ values: uniform(65, 1) }], (b, [h]) => b.clip(h!, -Infinity, 0.1));
    check(be, 'clip int32', [{ values: integers(65, 1, -9, 9) }], (b, [h]) => b.clip(h!, -2.5, 3));
  });

  it('binary ops with broadcasting', (ctx) => {
    if (!available) ctx.skip();
    const ops = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
    const shapes: [number[], number[], number[]][] = [
      [[1031], [1031], [1031]],
      [[7, 17], [7, 17], [7, 17]],
      [[], [33, 65], [33, 65]],
      [[33, 65], [], [33, 65]],
      [[5, 127], [127], [5, 127]],
      [[17, 1], [17, 33], [17, 33]],
      [[3, 1, 7], [1, 5, 1], [3, 5, 7]],
      [[2, 3, 1, 5], [3, 4, 1], [2, 3, 4, 5]],
      [[1, 65, 3], [7, 1, 3], [7, 65, 3]],
      [[], [], []],
      [[0, 3], [3], [0, 3]],
    ];
    for (const op of ops) {
      for (const [sa, sb, so] of shapes) {
        const a = op === 'pow' ? uniform(sizeOf(sa), 1, 0.1, 3) : uniform(sizeOf(sa), 1);
        const bv = uniform(sizeOf(sb), 2);
        // Make equality ops see equal values sometimes.
        for (let i = 0; i < Math.min(a.length, bv.length); i += 3) bv[i] = a[i]!;
        check(be, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [{ values: a }, { values: bv }],
          (b, [x, y]) => b.binary(op, x!, sa, y!, sb, so));
      }
      check(be, `${op} specials`, [{ values: withSpecials(127, 3) }, { values: withSpecials(127, 4).reverse() }],
        (b, [x, y]) => b.binary(op, x!, [127], y!, [127], [127]));
    }
    check(be, 'add int32', [{ values: integers(35, 1, -9, 9) }, { values: integers(7, 2, -9, 9) }],
      (b, [x, y]) => b.binary('add', x!, [5, 7], y!, [7], [5, 7]));
    check(be, 'div int32', [{ values: integers(35, 1, -9, 9) }, { values: integers(35, 2, 1, 9) }],
      (b, [x, y]) => b.binary('div', x!, [35], y!, [35], [35]));
  });

  it('where', (ctx) => {
    if (!available) ctx.skip();
    const cond = integers(65 * 7, 1, 0, 2);
    check(be, 'where same shape', [{ values: cond }, { values: uniform(455, 2) }, { values: uniform(455, 3) }],
      (b, [c, x, y]) => b.where(c!, [65, 7], x!, [65, 7], y!, [65, 7], [65, 7]));
    check(be, 'where broadcast', [{ values: integers(7, 1, 0, 2) }, { values: uniform(65, 2) }, { values: uniform(1, 3) }],
      (b, [c, x, y]) => b.where(c!, [7], x!, [65, 1], y!, [], [65, 7]));
    check(be, 'where general broadcast', [{ values: integers(3 * 7, 4, 0, 2) }, { values: uniform(5 * 1 * 7, 5) }, { values: uniform(3 * 5 * 1, 6) }],
      (b, [c, x, y]) => b.where(c!, [3, 1, 7], x!, [5, 1, 7], y!, [3, 5, 1], [3, 5, 7]));
    check(be, 'where scalar', [{ values: integers(1, 4, 1, 2) }, { values: uniform(1, 5) }, { values: uniform(1, 6) }],
      (b, [c, x, y]) => b.where(c!, [], x!, [], y!, [], []));
    check(be, 'where float cond', [{ values: uniform(33, 1, -1, 1).map(Math.round) }, { values: integers(33, 2, 0, 9) }, { values: integers(33, 3, 0, 9) }],
      (b, [c, x, y]) => b.where(c!, [33], x!, [33], y!, [33], [33]));
  });

  it('reductions over any axes', (ctx) => {
    if (!available) ctx.skip();
    const cases: [number[], number[]][] = [
      [[7, 17, 33], []], [[7, 17, 33], [0]], [[7, 17, 33], [1]], [[7, 17, 33], [2]],
      [[7, 17, 33], [0, 1]], [[7, 17, 33], [1, 2]], [[7, 17, 33], [0, 2]], [[7, 17, 33], [0, 1, 2]],
      [[3, 4, 5, 6], [0, 2]], [[3, 4, 5, 6], [1, 3]], [[1, 65, 1], [0, 2]], [[1, 65, 1], [1]],
      [[1031, 3], [0]], [[3, 1031], [1]], [[127, 65], [0]], [[1], [0]], [[], []], [[0, 5], [0]], [[5, 0], [1]],
      [[2100], [0]],
    ];
    for (const op of ['sum', 'max', 'min'] as const) {
      for (const [shape, axes] of cases) {
        check(be, `${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`, [{ values: uniform(sizeOf(shape), 7) }],
          (b, [x]) => b.reduce(op, x!, shape, axes));
      }
      check(be, `${op} NaN`, [{ values: withSpecials(7 * 33, 2) }], (b, [x]) => b.reduce(op, x!, [7, 33], [1]));
      check(be, `${op} int32`, [{ values: integers(35, 1, -50, 50) }], (b, [x]) => b.reduce(op, x!, [5, 7], [0]));
    }
    // A long sum with a large common offset: accumulation order matters.
    const long = uniform(100_003, 9, 1000, 1001);
    check(be, 'sum long', [{ values: long }], (b, [x]) => b.reduce('sum', x!, [100_003], [0]));
    for (const op of ['argmax', 'argmin'] as const) {
      for (const axis of [0, 1, 2]) {
        check(be, `${op} axis ${axis}`, [{ values: uniform(7 * 17 * 33, 4) }], (b, [x]) => b.argReduce(op, x!, [7, 17, 33], axis));
      }
      check(be, `${op} NaN`, [{ values: withSpecials(65, 4) }], (b, [x]) => b.argReduce(op, x!, [5, 13], 1));
    }
  });

  it('matmul: all transpose combinations, awkward sizes, batch broadcasting', (ctx) => {
    if (!available) ctx.skip();
    // m x n x k. The SIMD builds read small operands in place (assembly/gemm.ts: op(A) when n <= 64,
    // for m > 128 only row-major A; row-major op(B) when m <= 64 and the depth block <= 256) and
    // pack the rest: sizes on both sides of those limits, with and without a last panel of fewer
    // than 4 rows / 8 columns, and with several depth blocks.
    const dims: [number, number, number][] = [
      [1, 1, 1], [3, 7, 17], [17, 33, 7], [33, 65, 127], [127, 3, 65], [65, 127, 33], [7, 1, 600], [520, 9, 5], [4, 8, 513],
      [20, 20, 64], [20, 64, 20], [49, 64, 20], [20, 49, 64], [21, 64, 256], [64, 65, 257], [65, 64, 100], [128, 16, 1100],
      [263, 20, 70], [130, 64, 600], [131, 65, 9], [9, 13, 10], [5, 22, 7],
    ];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [m, n, k] of dims) {
          const p: MatmulParams = { batch: 1, m, n, k, transA, transB, batchedA: true, batchedB: true };
          check(be, `matmul ${m}x${n}x${k} tA=${transA} tB=${transB}`, [{ values: uniform(m * k, m) }, { values: uniform(k * n, n) }],
            (b, [x, y]) => b.matmul(x!, y!, p));
        }
        // Batch 37: runs of several entries a chunk over two threads (the last one shorter).
        for (const [batch, m, n, k] of [[3, 7, 17, 33], [37, 20, 20, 64]]) {
          for (const [batchedA, batchedB] of [[true, true], [true, false], [false, true], [false, false]] as const) {
            const p: MatmulParams = { batch, m, n, k, transA, transB, batchedA, batchedB };
            check(be, `matmul batch ${batch} A=${batchedA} B=${batchedB} tA=${transA} tB=${transB}`,
              [{ values: uniform((batchedA ? batch : 1) * m * k, 1) }, { values: uniform((batchedB ? batch : 1) * k * n, 2) }],
              (b, [x, y]) => b.matmul(x!, y!, p));
          }
        }
      }
    }
    const p0: MatmulParams = { batch: 2, m: 3, n: 4, k: 0, transA: false, transB: false, batchedA: true, batchedB: true };
    check(be, 'matmul k=0', [{ values: new Float32Array(0) }, { values: new Float32Array(0) }], (b, [x, y]) => b.matmul(x!, y!, p0));
    const pi: MatmulParams = { batch: 1, m: 3, n: 4, k: 5, transA: false, transB: true, batchedA: true, batchedB: true };
    check(be, 'matmul int32', [{ values: integers(15, 1, -5, 5) }, { values: integers(20, 2, -5, 5) }], (b, [x, y]) => b.matmul(x!, y!, pi));
  });

  it('conv2d and both gradients: stride, padding, dilation, groups', (ctx) => {
    if (!available) ctx.skip();
    const cases: [string, Conv2dParams][] = [
      ['basic', convParams(2, 3, 9, 11, 5, 3, 3)],
      ['stride 2 pad 1', convParams(2, 3, 17, 13, 7, 3, 3, { stride: [2, 2], pad: [1, 1] })],
      ['dilation 2 groups 2', convParams(1, 4, 12, 10, 6, 3, 2, { dil: [2, 2], groups: 2, pad: [2, 1] })],
      ['depthwise stride (2,1)', convParams(2, 3, 7, 9, 6, 3, 3, { stride: [2, 1], pad: [1, 0], groups: 3 })],
      ['1x1', convParams(2, 17, 5, 7, 7, 1, 1)],
      ['1x1 stride 2', convParams(1, 5, 7, 7, 3, 1, 1, { stride: [2, 2] })],
      ['lenet 5x5', convParams(2, 1, 28, 28, 8, 5, 5)],
      ['wide channels', convParams(1, 33, 6, 6, 65, 3, 3, { pad: [1, 1] })],
      ['kernel larger than stride', convParams(1, 2, 8, 8, 3, 4, 4, { stride: [3, 3], pad: [2, 2] })],
      // Several GEMM blocks: K = 540 > 512 deep, 130 > 128 output channels, HW = 2304 > 2048 columns.
      ['multi-block K and M', convParams(1, 60, 5, 5, 130, 3, 3)],
      ['multi-block HW', convParams(1, 2, 50, 50, 3, 3, 3)],
      // The filter gradient batches images per GEMM: several batches, the last one partial.
      ['image batches', convParams(5, 2, 20, 20, 3, 3, 3, { pad: [1, 0] })],
      ['image batches 1x1', convParams(3, 4, 16, 16, 2, 1, 1, { groups: 2 })],
    ];
    for (const [name, p] of cases) {
      const xs = p.n * p.inC * p.inH * p.inW;
      const ws = p.outC * (p.inC / p.groups) * p.kH * p.kW;
      const ys = p.n * p.outC * p.outH * p.outW;
      check(be, `conv2d ${name}`, [{ values: uniform(xs, 1) }, { values: uniform(ws, 2) }], (b, [x, w]) => b.conv2d(x!, w!, p));
      check(be, `conv2dGradInput ${name}`, [{ values: uniform(ys, 3) }, { values: uniform(ws, 2) }],
        (b, [dy, w]) => b.conv2dGradInput(dy!, w!, p));
      check(be, `conv2dGradFilter ${name}`, [{ values: uniform(xs, 1) }, { values: uniform(ys, 3) }],
        (b, [x, dy]) => b.conv2dGradFilter(x!, dy!, p));
    }
  });

  it('pooling and its adjoint', (ctx) => {
    if (!available) ctx.skip();
    const cases: [string, Pool2dParams][] = [
      ['2x2 s2', poolParams(2, 3, 8, 8, 2, 2, 0)],
      ['3x3 s2 p1', poolParams(1, 5, 17, 13, 3, 2, 1)],
      ['3x3 s1', poolParams(1, 2, 7, 7, 3, 1, 0)],
      ['1x1', poolParams(1, 1, 33, 3, 1, 1, 0)],
    ];
    for (const [name, p] of cases) {
      const xs = p.n * p.c * p.inH * p.inW;
      const ys = p.n * p.c * p.outH * p.outW;
      check(be, `maxPool2d ${name}`, [{ values: uniform(xs, 1) }], (b, [x]) => {
        const r = b.maxPool2d(x!, p);
        return [r.values, r.indices];
      });
      check(be, `avgPool2d ${name}`, [{ values: uniform(xs, 1) }], (b, [x]) => b.avgPool2d(x!, p));
      check(be, `avgPool2dBackward ${name}`, [{ values: uniform(ys, 2) }], (b, [dy]) => b.avgPool2dBackward(dy!, p));
    }
    const p = poolParams(1, 2, 6, 6, 2, 2, 0);
    const x = uniform(72, 3);
    x[7] = NaN;
    x[0] = x[1] = 5; // ties: the first index wins
    check(be, 'maxPool2d NaN and ties', [{ values: x }], (b, [h]) => {
      const r = b.maxPool2d(h!, p);
      return [r.values, r.indices];
    });
  });

  it('softmax, logSoftmax, layerNorm, rowNorms', (ctx) => {
    if (!available) ctx.skip();
    const shapes: [number, number][] = [[1, 1], [3, 7], [17, 33], [65, 127], [5, 1031], [1, 3]];
    for (const [r, c] of shapes) {
      const x = uniform(r * c, r + c, -8, 8);
      check(be, `softmax ${r}x${c}`, [{ values: x }], (b, [h]) => b.softmax(h!, r, c));
      check(be, `logSoftmax ${r}x${c}`, [{ values: x }], (b, [h]) => b.logSoftmax(h!, r, c));
      const shifted = x.map((v) => v + 300);
      check(be, `layerNorm ${r}x${c}`, [{ values: shifted }, { values: uniform(c, 1) }, { values: uniform(c, 2) }],
        (b, [h, g, bb]) => b.layerNorm(h!, g!, bb!, r, c, 1e-5));
      check(be, `geluBackward ${r}x${c}`, [{ values: uniform(r * c, 4) }, { values: x }, { values: uniform(r * c, 5, 0, 1) }],
        (b, [dy, h, cdf]) => b.geluBackward(dy!, h!, cdf!));
      check(be, `layerNormBackward ${r}x${c}`, [{ values: shifted }, { values: uniform(c, 1) }, { values: uniform(r * c, 3) }],
        (b, [h, g, dy]) => b.layerNormBackward(h!, g!, dy!, r, c, 1e-5));
      for (const p of [1, 2, Infinity] as const) {
        check(be, `rowNorms p=${p} ${r}x${c}`, [{ values: x }], (b, [h]) => b.rowNorms(h!, r, c, p));
      }
    }
    const sp = withSpecials(7 * 17, 1);
    check(be, 'softmax specials', [{ values: sp }], (b, [h]) => b.softmax(h!, 7, 17));
    check(be, 'logSoftmax specials', [{ values: sp }], (b, [h]) => b.logSoftmax(h!, 7, 17));
    for (const p of [1, 2, Infinity] as const) check(be, `rowNorms p=${p} specials`, [{ values: sp }], (b, [h]) => b.rowNorms(h!, 7, 17, p));
    // Tiny and huge magnitudes: squares must not underflow or overflow in float32.
    const scaled = uniform(3 * 65, 3).map((v, i) => v * (i < 65 ? 1e-25 : i < 130 ? 1e25 : 1));
    check(be, 'rowNorms p=2 extreme magnitudes', [{ values: scaled }], (b, [h]) => b.rowNorms(h!, 3, 65, 2));
  });

  it('movement: stridedCopy, pad, concat, gather, scatterAdd, oneHot', (ctx) => {
    if (!available) ctx.skip();
    const x = uniform(7 * 17 * 3, 1);
    check(be, 'stridedCopy transpose', [{ values: x }], (b, [h]) => b.stridedCopy(h!, [3, 17, 7], [1, 3, 51], 0));
    check(be, 'stridedCopy slice step', [{ values: x }], (b, [h]) => b.stridedCopy(h!, [4, 6, 2], [102, 9, 2], 3));
    check(be, 'stridedCopy broadcast', [{ values: uniform(17, 2) }], (b, [h]) => b.stridedCopy(h!, [33, 17], [0, 1], 0));
    check(be, 'stridedCopy reverse', [{ values: x }], (b, [h]) => b.stridedCopy(h!, [7, 51], [51, -1], 50));
    check(be, 'stridedCopy scalar', [{ values: x }], (b, [h]) => b.stridedCopy(h!, [], [], 5));
    check(be, 'stridedCopy contiguous', [{ values: x }], (b, [h]) => b.stridedCopy(h!, [7, 17, 3], stridesOf([7, 17, 3]), 0));
    check(be, 'stridedCopy int32', [{ values: integers(35, 1, 0, 99) }], (b, [h]) => b.stridedCopy(h!, [7, 5], [1, 7], 0));
    // Attention's head split and merge (the middle axes are walked in input order, rows scattered),
    // with a broadcast and a reversed axis in the middle too.
    const heads = uniform(5 * 6 * 3 * 9, 3);
    check(be, 'stridedCopy head split', [{ values: heads }], (b, [h]) => b.stridedCopy(h!, [5, 3, 6, 9], [162, 9, 27, 1], 0));
    check(be, 'stridedCopy head merge', [{ values: heads }], (b, [h]) => b.stridedCopy(h!, [5, 6, 3, 9], [162, 9, 54, 1], 0));
    check(be, 'stridedCopy middle broadcast and reverse', [{ values: heads }],
      (b, [h]) => b.stridedCopy(h!, [5, 4, 6, 3, 9], [162, 0, -27, 9, 1], 135));
    check(be, 'pad', [{ values: x }], (b, [h]) => b.pad(h!, [7, 17, 3], [[1, 2], [0, 3], [2, 0]], -1.5));
    check(be, 'pad int32', [{ values: integers(12, 1, 0, 9) }], (b, [h]) => b.pad(h!, [3, 4], [[0, 1], [2, 2]], 7));
    check(be, 'concat', [{ values: uniform(3 * 2 * 5, 1) }, { values: uniform(3 * 7 * 5, 2) }, { values: uniform(3 * 1 * 5, 3) }],
      (b, [p, q, r]) => b.concat([{ h: p!, shape: [3, 2, 5] }, { h: q!, shape: [3, 7, 5] }, { h: r!, shape: [3, 1, 5] }], 1));
    // Blocks longer than 64 values (a bulk copy each), and int32.
    check(be, 'concat long blocks', [{ values: uniform(2 * 70, 4) }, { values: uniform(3 * 70, 5) }],
      (b, [p, q]) => b.concat([{ h: p!, shape: [2, 70] }, { h: q!, shape: [3, 70] }], 0));
    check(be, 'concat int32', [{ values: integers(4 * 3, 6, -9, 9) }, { values: integers(4 * 66, 7, -9, 9) }],
      (b, [p, q]) => b.concat([{ h: p!, shape: [4, 3] }, { h: q!, shape: [4, 66] }], 1));
    const idx = integers(33, 5, 0, 17);
    check(be, 'gather', [{ values: x }, { values: idx }], (b, [h, i]) => b.gather(h!, [7, 17, 3], i!, 33, 1));
    check(be, 'scatterAdd', [{ values: uniform(7 * 33 * 3, 4) }, { values: idx }], (b, [g, i]) => b.scatterAdd(g!, i!, 33, [7, 17, 3], 1));
    check(be, 'oneHot', [{ values: integers(65, 6, -1, 11) }], (b, [i]) => b.oneHot(i!, 65, 10, 'float32'));
    // Out-of-range gather indices raise and leak nothing.
    const start = be.bytesInUse();
    const h = be.upload(x, 'float32');
    const bad = be.upload(new Int32Array([0, 17]), 'int32');
    expect(() => be.gather(h, [7, 17, 3], bad, 2, 1)).toThrow(VarmatError);
    be.release(h);
    be.release(bad);
    expect(be.bytesInUse()).toBe(start);
  });
});

describe('wasm backend memory', () => {
  it('reuses freed blocks, grows memory when needed, keeps data across growth', async () => {
    const be = await createWasmBackend();
    const start = be.bytesInUse();
    const a = be.upload(uniform(1000, 1), 'float32');
    const s0 = be.allocatorStats();
    be.release(a);
    const b = be.upload(uniform(1000, 2), 'float32');
    const s1 = be.allocatorStats();
    expect(s1.heapBytes).toBe(s0.heapBytes);
    expect(s1.cachedBytes).toBe(s0.cachedBytes);
    const keep = uniform(4096, 3);
    const k = be.upload(keep, 'float32');
    // Force several growths while `k` and `b` live.
    const big: DataHandle[] = [];
    for (let i = 0; i < 4; i++) big.push(be.fill(4 << 20, 'float32', i));
    expect(be.allocatorStats().grows).toBeGreaterThan(s1.grows);
    expect(Array.from(be.readSync(k))).toEqual(Array.from(keep));
    expect(be.readSync(big[3]!)[12345]).toBe(3);
    const grownHeap = be.allocatorStats().heapBytes;
    for (const h of [b, k, ...big]) be.release(h);
    expect(be.bytesInUse()).toBe(start);
    // Never shrinks; a second round reuses the same blocks without growing.
    const again = [0, 1, 2, 3].map((i) => be.fill(4 << 20, 'float32', i));
    expect(be.allocatorStats().heapBytes).toBe(grownHeap);
    for (const h of again) be.release(h);
    expect(be.bytesInUse()).toBe(start);
    expect(be.allocatorStats().liveBlocks).toBe(0);
  });

  it('conv kernels stay inside their scratch: blocks next to a reused scratch block are untouched', async () => {
    // Regression: the filter gradient's last, shallower GEMM (fewer images) took a deeper depth
    // block than the scratch was sized for and wrote past it. The scratch lands in a freed block of
    // its size class, so canaries allocated right above such a hole catch any overflow.
    type Internals = { alloc: { alloc(b: number): number; free(p: number): void }; k: { convScratchBytes(p: number): number }; convArgs(p: Conv2dParams): number };
    for (const p of [convParams(40, 12, 7, 7, 24, 3, 3, { pad: [1, 1] }), convParams(40, 24, 3, 3, 48, 3, 3, { pad: [1, 1] }), convParams(9, 6, 14, 14, 12, 3, 3, { pad: [1, 1] })]) {
      const be = await createWasmBackend();
      const inner = be as unknown as Internals;
      const x = be.upload(uniform(p.n * p.inC * p.inH * p.inW, 1), 'float32');
      const dy = be.upload(uniform(p.n * p.outC * p.outH * p.outW, 2), 'float32');
      const w = be.upload(uniform(p.outC * p.inC * p.kH * p.kW, 3), 'float32');
      const kernels = [() => be.conv2d(x, w, p), () => be.conv2dGradInput(dy, w, p), () => be.conv2dGradFilter(x, dy, p)];
      for (const run of kernels) {
        const warm = run(); // its output block is then reused by the checked call
        be.release(warm);
        const hole = inner.alloc.alloc(inner.k.convScratchBytes(inner.convArgs(p)) >>> 0);
        inner.alloc.free(hole);
        const canaries = [0, 1, 2, 3].map((i) => be.upload(uniform(4096, 10 + i), 'float32'));
        const before = canaries.map((c) => Array.from(be.readSync(c)));
        be.release(run());
        canaries.forEach((c, i) => expect(Array.from(be.readSync(c))).toEqual(before[i]));
        for (const c of canaries) be.release(c);
      }
      for (const h of [x, dy, w]) be.release(h);
      expect(be.bytesInUse()).toBe(0);
    }
  });

  it('rejects float64, unknown options and released handles with typed errors', async () => {
    const be = await createWasmBackend();
    expect(() => be.upload(new Float64Array(3), 'float64')).toThrow(/float64/);
    try {
      be.fill(3, 'float64', 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VarmatError);
      expect((e as VarmatError).code).toBe('DTYPE');
    }
    await expect(createWasmBackend({ simd: true, threads: 0 })).rejects.toThrow(/threads/);
    await expect(createWasmBackend({ simd: true, lanes: 2 } as unknown as { simd: boolean })).rejects.toThrow(/lanes/);
    const h = be.upload(new Float32Array([1, 2]), 'float32');
    be.release(h);
    expect(() => be.release(h)).toThrow(VarmatError);
    expect(() => be.readSync(h)).toThrow(/released/);
    expect(be.bytesInUse()).toBe(0);
  });

  it('returns bytesInUse to its start after every kernel (all outputs released)', async () => {
    const be = await createWasmBackend();
    const before = be.allocatorStats().liveBlocks;
    const x = be.upload(uniform(6 * 6, 1), 'float32');
    const p = convParams(1, 1, 6, 6, 2, 3, 3);
    const w = be.upload(uniform(18, 2), 'float32');
    const y = be.conv2d(x, w, p);
    const mm = be.matmul(x, x, { batch: 1, m: 6, n: 6, k: 6, transA: false, transB: true, batchedA: true, batchedB: true });
    const r = be.reduce('sum', x, [2, 3, 6], [0, 2]);
    for (const h of [x, w, y, mm, r]) be.release(h);
    expect(be.bytesInUse()).toBe(0);
    expect(be.allocatorStats().liveBlocks).toBe(before);
  });
});

afterAll(() => {
  const lines = [...worst.entries()].sort().map(([k, v]) => `  ${k.padEnd(48)} ${v.toExponential(2)}`);
  console.log(`wasm vs float64 reference, worst norm-wise relative error per kernel:\n${lines.join('\n')}`);
});
