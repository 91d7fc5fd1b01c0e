import type { Conv2dParams, MatmulParams } from '../../backend.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';

/** Output tile edge and K step of shaders/gemm.wgsl. */
const TS = 32;
const TK = 32;

/** Which variant of the GEMM core runs a product (exported for tests and benchmarks). */
export type GemmVariant = 'tiled' | 'tiled-vec4' | 'dot' | 'thread' | 'split-k' | 'split-k-vec4';

/** The fused epilogue of a matmul: + bias per output column, then an activation. */
export type GemmActivation = 'none' | 'relu' | 'gelu';

interface Epilogue {
  bias: GpuHandle;
  activation: GemmActivation;
}

interface GemmShape {
  mode: 0 | 1 | 2 | 3;
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
  outSize: number;
  conv?: Conv2dParams;
}

/** Tuning thresholds of the variant choice. */
export const GEMM_TUNING = {
  /** Below this many outputs a long product uses one workgroup per output. */
  dotMaxOutputs: 256,
  /** K from which the dot and split-K variants are considered. */
  longK: 256,
  /** Fewer output tiles than this and a long K: split K. */
  splitMaxTiles: 8,
  /** Target number of workgroups for split-K. */
  splitTargetGroups: 32,
  maxSplits: 16,
};

/** Picks the variant for a product of this shape (pure: tested directly). */
export function chooseGemm(s: Pick<GemmShape, 'mode' | 'batch' | 'm' | 'n' | 'k' | 'transA' | 'transB'>): { variant: GemmVariant; splits: number; kPerSplit: number } {
  const outputs = s.batch * s.m * s.n;
  const vec4 = s.mode === 0 && (s.transA ? s.m % 4 === 0 : s.k % 4 === 0) && (s.transB ? s.k % 4 === 0 : s.n % 4 === 0) && s.n % 4 === 0;
  const matvec = s.mode === 0 && (s.m === 1 || s.n === 1);
  if (outputs <= GEMM_TUNING.dotMaxOutputs && s.k >= GEMM_TUNING.longK) {
    return { variant: 'dot', splits: 1, kPerSplit: s.k };
  }
  if (matvec) return { variant: 'thread', splits: 1, kPerSplit: s.k };
  const tiles = Math.ceil(s.m / TS) * Math.ceil(s.n / TS) * s.batch;
  if (tiles < GEMM_TUNING.splitMaxTiles && s.k >= 2 * GEMM_TUNING.longK) {
    const want = Math.min(Math.ceil(GEMM_TUNING.splitTargetGroups / tiles), GEMM_TUNING.maxSplits, Math.ceil(s.k / GEMM_TUNING.longK));
    const kPerSplit = Math.ceil(Math.ceil(s.k / want) / TK) * TK;
    const splits = Math.ceil(s.k / kPerSplit);
    if (splits > 1) return { variant: vec4 ? 'split-k-vec4' : 'split-k', splits, kPerSplit };
  }
  return { variant: vec4 ? 'tiled-vec4' : 'tiled', splits: 1, kPerSplit: Math.ceil(Math.max(s.k, 1) / TK) * TK };
}

function gemmUniforms(s: GemmShape, splits: number, kPerSplit: number): Uint32Array {
  const c = s.conv;
  return new UniformWriter()
    .u32(s.m, s.n, s.k, s.batch)
    .u32(Math.ceil(s.m / TS), Math.ceil(s.n / TS), splits, kPerSplit)
    .u32(s.strideA, s.strideB, s.outSize, 0)
    .u32(c?.n ?? 0, c?.inC ?? 0, c?.inH ?? 0, c?.inW ?? 0)
    .u32(c?.outC ?? 0, c?.kH ?? 0, c?.kW ?? 0, c?.strideH ?? 0)
    .u32(c?.strideW ?? 0, c?.padH ?? 0, c?.padW ?? 0, c?.dilationH ?? 0)
    .u32(c?.dilationW ?? 0, c?.outH ?? 0, c?.outW ?? 0, c?.groups ?? 1)
    .data();
}

/** Runs the GEMM core into `out`, choosing the variant by shape. */
function runGemm(rt: GpuRuntime, a: GpuHandle, b: GpuHandle, out: GpuHandle, s: GemmShape, force?: GemmVariant, epi?: Epilogue): GemmVariant {
  if (s.outSize === 0) return 'tiled';
  const epilogueCode = epi ? { none: 1, relu: 2, gelu: 3 }[epi.activation] : 0;
  const biasBinding: readonly [GPUBuffer, 'r'] = [epi ? epi.bias.buffer : rt.dummy, 'r'];
  if (s.k === 0) {
    // An empty sum: zeros, then the epilogue (a split-sum pass over zero partials).
    if (!epi) {
      rt.fillWords(out.buffer, s.outSize, 0);
      return 'tiled';
    }
  }
  const choice = chooseGemm(s);
  let { variant, splits, kPerSplit } = choice;
  if (force) {
    variant = force;
    if (force.startsWith('split-k') && splits === 1) {
      kPerSplit = Math.ceil(Math.ceil(s.k / 2) / TK) * TK;
      splits = Math.ceil(s.k / kPerSplit);
    } else if (!force.startsWith('split-k')) {
      splits = 1;
      kPerSplit = Math.ceil(s.k / TK) * TK;
    }
  }
  const constants = { MODE: s.mode, TRANS_A: s.transA, TRANS_B: s.transB, EPILOGUE: epilogueCode };
  if (s.k === 0) {
    rt.dispatch({
      family: 'gemm', entry: 'gemm_split_sum', constants, uniforms: gemmUniforms(s, 0, 0),
      bindings: [[rt.dummy, 'r'], [out.buffer, 'w'], [rt.dummy, 'r'], biasBinding],
      groups: rt.strideGroups(s.outSize, 256),
    });
    return 'split-k';
  }
  const uniforms = gemmUniforms(s, splits, kPerSplit);
  const tiles = Math.ceil(s.m / TS) * Math.ceil(s.n / TS) * s.batch;
  if (variant === 'dot' || variant === 'thread') {
    rt.dispatch({
      family: 'gemm', entry: variant === 'dot' ? 'gemm_dot' : 'gemm_thread', constants, uniforms,
      bindings: [[a.buffer, 'r'], [out.buffer, 'w'], [b.buffer, 'r'], biasBinding],
      groups: variant === 'dot' ? s.batch * s.m * s.n : Math.ceil((s.batch * s.m * s.n) / 64),
    });
    return variant;
  }
  const entry = variant.endsWith('vec4') ? 'gemm_vec4' : 'gemm';
  if (splits === 1) {
    rt.dispatch({
      family: 'gemm', entry, constants, uniforms,
      bindings: [[a.buffer, 'r'], [out.buffer, 'w'], [b.buffer, 'r'], biasBinding],
      groups: tiles,
    });
    return variant;
  }
  const partial = rt.scratch(splits * s.outSize * 4);
  rt.dispatch({
    family: 'gemm', entry, constants, uniforms,
    bindings: [[a.buffer, 'r'], [partial, 'w'], [b.buffer, 'r'], biasBinding],
    groups: tiles * splits,
  });
  rt.dispatch({
    family: 'gemm', entry: 'gemm_split_sum', constants, uniforms,
    bindings: [[partial, 'r'], [out.buffer, 'w'], [rt.dummy, 'r'], biasBinding],
    groups: rt.strideGroups(s.outSize, 256),
  });
  rt.releaseScratch(partial);
  return variant;
}

/**
 * Batched matmul with transpose flags and batch broadcasting; `force` pins a variant (tests);
 * `epilogue` fuses + bias (per output column) and an activation into the store.
 */
export function matmul(rt: GpuRuntime, a: GpuHandle, b: GpuHandle, p: MatmulParams, force?: GemmVariant, epilogue?: Epilogue): GpuHandle {
  const outSize = p.batch * p.m * p.n;
  const out = rt.output(a.dtype, outSize);
  runGemm(rt, a, b, out, {
    mode: 0, batch: p.batch, m: p.m, n: p.n, k: p.k, transA: p.transA, transB: p.transB,
    strideA: p.batchedA ? p.m * p.k : 0, strideB: p.batchedB ? p.k * p.n : 0, outSize,
  }, force, epilogue);
  return out;
}

function convShape(mode: 1 | 2 | 3, p: Conv2dParams): GemmShape {
  const ipg = p.inC / p.groups;
  const opg = p.outC / p.groups;
  const khw = p.kH * p.kW;
  const base = { mode, batch: p.groups, transA: false, transB: false, strideA: 0, strideB: 0, conv: p };
  if (mode === 1) return { ...base, m: opg, n: p.n * p.outH * p.outW, k: ipg * khw, outSize: p.n * p.outC * p.outH * p.outW };
  if (mode === 2) return { ...base, m: ipg, n: p.n * p.inH * p.inW, k: opg * khw, outSize: p.n * p.inC * p.inH * p.inW };
  return { ...base, m: opg, n: ipg * khw, k: p.n * p.outH * p.outW, outSize: p.outC * ipg * khw };
}

/** conv2d as implicit GEMM: filters [outC, K] times the im2col of x, gathered on the fly. */
export function conv2d(rt: GpuRuntime, x: GpuHandle, w: GpuHandle, p: Conv2dParams, force?: GemmVariant): GpuHandle {
  const s = convShape(1, p);
  const out = rt.output(x.dtype, s.outSize);
  runGemm(rt, w, x, out, s, force);
  return out;
}

/** d x of conv2d: the transposed filters times dy gathered at the matching output pixels. */
export function conv2dGradInput(rt: GpuRuntime, dy: GpuHandle, w: GpuHandle, p: Conv2dParams, force?: GemmVariant): GpuHandle {
  const s = convShape(2, p);
  const out = rt.output(dy.dtype, s.outSize);
  runGemm(rt, w, dy, out, s, force);
  return out;
}

/** d w of conv2d: dy times the im2col of x, K running over images and output pixels. */
export function conv2dGradFilter(rt: GpuRuntime, x: GpuHandle, dy: GpuHandle, p: Conv2dParams, force?: GemmVariant): GpuHandle {
  const s = convShape(3, p);
  const out = rt.output(x.dtype, s.outSize);
  runGemm(rt, dy, x, out, s, force);
  return out;
}
