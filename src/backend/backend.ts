import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * The kernel contract. Every backend implements it; the reference backend defines the semantics.
 *
 * Kernels are shape-aware but know nothing of autodiff: each takes backend data handles and plain
 * numbers and returns new handles (inputs are never modified). Shape checks happen in `src/ops/`
 * before a kernel is called, so kernels may assume valid arguments. Layouts are row-major; images
 * are NCHW and conv filters [outC, inC / groups, kH, kW], as in PyTorch.
 */
export interface Backend {
  /** 'reference' | 'wasm' | 'webgpu'. */
  readonly name: BackendName;
  /** Human-readable description (adapter, SIMD, threads), printed by `varmat info`. */
  describe(): string;
  /** Whether tensors of this dtype can live on this backend. */
  supports(dtype: DType): boolean;
  /** True when the device is a software emulation (WebGPU on SwiftShader or llvmpipe). */
  readonly software?: boolean;
  /** Frees the device, if the backend holds one (lets Node exit after WebGPU). */
  destroy?(): void;

  // ---- storage -----------------------------------------------------------------------------
  /** Copies `values` into new storage of `dtype`. */
  upload(values: TypedArray, dtype: DType): DataHandle;
  /** New storage of `size` elements all equal to `value`. */
  fill(size: number, dtype: DType, value: number): DataHandle;
  /** Copies the storage out. */
  read(h: DataHandle): Promise<TypedArray>;
  /** Copies the storage out synchronously; backends that cannot (webgpu) throw a clear error. */
  readSync(h: DataHandle): TypedArray;
  /** Frees the storage. The handle is not used again. */
  release(h: DataHandle): void;
  /** Bytes currently allocated by this backend for live storage. */
  bytesInUse(): number;

  // ---- elementwise -----------------------------------------------------------------------------
  cast(x: DataHandle, dtype: DType): DataHandle;
  unary(op: UnaryOp, x: DataHandle): DataHandle;
  /** Elementwise clip to [lo, hi]. */
  clip(x: DataHandle, lo: number, hi: number): DataHandle;
  /** Broadcasting binary op; `outShape` is the broadcast of the two shapes. Comparisons give 0/1. */
  binary(op: BinaryOp, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape): DataHandle;
  /** Broadcasting select: `cond != 0 ? a : b`, output dtype that of `a`. */
  where(
    cond: DataHandle, condShape: Shape,
    a: DataHandle, aShape: Shape,
    b: DataHandle, bShape: Shape,
    outShape: Shape,
  ): DataHandle;

  // ---- reductions ------------------------------------------------------------------------------
  /** Reduces over `axes` (sorted, distinct); the output drops those axes. An empty list copies. */
  reduce(op: ReduceOp, x: DataHandle, shape: Shape, axes: readonly number[]): DataHandle;
  /** Index (int32) of the max/min along one axis; the output drops that axis. First index wins ties. */
  argReduce(op: 'argmax' | 'argmin', x: DataHandle, shape: Shape, axis: number): DataHandle;

  // ---- movement --------------------------------------------------------------------------------
  /**
   * out[i_0..i_r] = x[offset + sum_d i_d * strides[d]]. Serves transpose, slice with steps and
   * broadcastTo (stride 0).
   */
  stridedCopy(x: DataHandle, outShape: Shape, strides: readonly number[], offset: number): DataHandle;
  /** Pads each axis with `pads[d] = [before, after]` elements equal to `value`. */
  pad(x: DataHandle, shape: Shape, pads: readonly (readonly [number, number])[], value: number): DataHandle;
  /** Concatenates along `axis`; all inputs have equal shapes except on that axis. */
  concat(xs: readonly { h: DataHandle; shape: Shape }[], axis: number): DataHandle;
  /** out = x indexed along `axis` by int32 `indices` (index_select); out shape replaces that axis by indices' shape. */
  gather(x: DataHandle, shape: Shape, indices: DataHandle, indicesSize: number, axis: number): DataHandle;
  /** Adjoint of gather: zeros of `outShape`, then out[.., indices[j], ..] += g[.., j, ..] along `axis`. */
  scatterAdd(g: DataHandle, indices: DataHandle, indicesSize: number, outShape: Shape, axis: number): DataHandle;
  /** One-hot float rows of length `depth` from int32 `indices` (out-of-range indices give zero rows). */
  oneHot(indices: DataHandle, size: number, depth: number, dtype: DType): DataHandle;

  // ---- linear algebra --------------------------------------------------------------------------
  /**
   * Batched matrix product C[b] = op(A[b]) op(B[b]) with op = transpose when the flag is set.
   * A is stored [batchA, M, K] ([batchA, K, M] when transA), B [batchB, K, N] ([batchB, N, K] when
   * transB); batchA and batchB are each `batch` or 1 (broadcast). C is [batch, M, N].
   */
  matmul(a: DataHandle, b: DataHandle, p: MatmulParams): DataHandle;
  conv2d(x: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle;
  /** d loss / d x of conv2d given dy [N, outC, outH, outW]. */
  conv2dGradInput(dy: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle;
  /** d loss / d w of conv2d given x and dy. */
  conv2dGradFilter(x: DataHandle, dy: DataHandle, p: Conv2dParams): DataHandle;

  // ---- pooling ---------------------------------------------------------------------------------
  /** Max pooling: the values and, as int32, each max's flat index into x (first index wins ties). */
  maxPool2d(x: DataHandle, p: Pool2dParams): { values: DataHandle; indices: DataHandle };
  avgPool2d(x: DataHandle, p: Pool2dParams): DataHandle;
  /** Adjoint of avgPool2d: spreads dy back over each window (padding counts in the divisor). */
  avgPool2dBackward(dy: DataHandle, p: Pool2dParams): DataHandle;

  /**
   * GELU's gradient from its forward pass's normal CDF: g * (cdf + x phi(x)) elementwise, phi the
   * standard normal density; the three operands have the same size.
   */
  geluBackward(g: DataHandle, x: DataHandle, cdf: DataHandle): DataHandle;

  /**
   * One Adam (AdamW when `p.decoupled`) step on a parameter, its gradient and its two moments, in
   * PyTorch's order of operations: [w (1 - lr wd) for AdamW] g' = g (+ wd w for Adam),
   * m' = m + (g' - m)(1 - beta1), v' = v beta2 + g'^2 (1 - beta2),
   * w' = w - m' / (sqrt(v') / sqrt(1 - beta2^t) + eps) * lr / (1 - beta1^t). New handles; the
   * inputs are unchanged.
   */
  adamStep(param: DataHandle, grad: DataHandle, m: DataHandle, v: DataHandle, p: AdamParams): { param: DataHandle; m: DataHandle; v: DataHandle };

  // ---- fused row ops (rows x cols, softmax over the last axis) ----------------------------------
  softmax(x: DataHandle, rows: number, cols: number): DataHandle;
  logSoftmax(x: DataHandle, rows: number, cols: number): DataHandle;
  /** (x - mean) / sqrt(var + eps) * gamma + beta per row, biased variance; gamma/beta have `cols`. */
  layerNorm(x: DataHandle, gamma: DataHandle, beta: DataHandle, rows: number, cols: number, eps: number): DataHandle;
  /**
   * The backward pass of layerNorm for an output gradient g, per row (xhat = (x - mean) * rstd):
   * [dx, g * xhat], dx = rstd * (g gamma - mean(g gamma) - xhat mean(g gamma xhat)). Summing the
   * second over the rows gives d gamma.
   */
  layerNormBackward(x: DataHandle, gamma: DataHandle, g: DataHandle, rows: number, cols: number, eps: number): [DataHandle, DataHandle];
  /** Per-row Lp norm, p in {1, 2, Infinity}: the gradient-norm probe. */
  rowNorms(x: DataHandle, rows: number, cols: number, p: NormOrder): DataHandle;
}

export type BackendName = 'reference' | 'wasm' | 'webgpu';

/** A backend's opaque storage handle. Each backend keeps what it needs behind it. */
export interface DataHandle {
  readonly dtype: DType;
  readonly size: number;
}

/** Hyperparameters of one Adam or AdamW step (`Backend.adamStep`). */
export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 penalty (Adam: added to the gradient) or decoupled decay (AdamW). Default 0. */
  weightDecay?: number;
  /** AdamW when true. */
  decoupled?: boolean;
  /** 1-based step count, for the bias corrections. */
  t: number;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'erf' | 'sin' | 'cos' | 'floor' | 'isnan'
  | 'normcdf' | 'normpdf';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min';

export type NormOrder = 1 | 2 | typeof Infinity;

export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Whether A (resp. B) has one matrix per batch entry (true) or a single broadcast matrix. */
  batchedA: boolean;
  batchedB: boolean;
}

export interface Conv2dParams {
  n: number;
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  outH: number;
  outW: number;
}

export interface Pool2dParams {
  n: number;
  c: number;
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}
