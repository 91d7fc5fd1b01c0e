import type { DType, TypedArray } from '../../dtype.js';
import { VarmatError, fail } from '../../errors.js';
import type { Shape } from '../../shape.js';
import type {
  AdamParams, Backend, BinaryOp, Conv2dParams, DataHandle, MatmulParams, NormOrder, Pool2dParams, ReduceOp, UnaryOp,
} from '../backend.js';
import { acquireDevice } from './acquire-device.js';
import type { PoolStats } from './buffer-pool.js';
import type { AttackStepParams } from './fused-reference.js';
import { GpuHandle } from './gpu-handle.js';
import { GpuRuntime, type RuntimeOptions } from './gpu-runtime.js';
import * as ew from './kernels/elementwise-kernels.js';
import * as fused from './kernels/fused-kernels.js';
import * as gemm from './kernels/gemm-kernels.js';
import * as mv from './kernels/movement-kernels.js';
import * as pool from './kernels/pool-kernels.js';
import * as red from './kernels/reduce-kernels.js';
import * as rows from './kernels/row-kernels.js';

/** Options of `createWebGPUBackend`. */
export interface WebGPUBackendOptions extends RuntimeOptions {
  /** A WebGPU implementation to use instead of `navigator.gpu` or Node's `webgpu` package. */
  gpu?: GPU;
}

function gh(h: DataHandle): GpuHandle {
  if (!(h instanceof GpuHandle)) {
    throw new VarmatError('BACKEND', 'webgpu', 'received storage of another backend; move tensors with toBackend() first');
  }
  return h;
}

/**
 * The WebGPU backend: every kernel of the contract as WGSL compute shaders (shaders/), recorded
 * into one compute pass and submitted in batches. Kernels return handles at once; `read` is the
 * only way back to the host. float32 and int32.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  /** @internal The device, pool, pipelines and command recording. */
  readonly rt: GpuRuntime;
  private readonly description: string;
  /**
   * Whether the adapter is a CPU implementation (SwiftShader, llvmpipe): correct but slow, well
   * under 1 GFLOP/s, so `init({ backend: 'auto' })` should prefer WebAssembly over it.
   */
  readonly software: boolean;

  /** @internal Use `createWebGPUBackend`. */
  constructor(rt: GpuRuntime, description: string, software = false) {
    this.rt = rt;
    this.description = description;
    this.software = software;
  }

  describe(): string {
    return this.description;
  }

  supports(dtype: DType): boolean {
    return dtype === 'float32' || dtype === 'int32';
  }

  private dtypeCheck(op: string, dtype: DType): void {
    if (!this.supports(dtype)) fail('DTYPE', op, 'dtype', "'float32' or 'int32' (float64 lives on the reference backend)", dtype);
  }

  // ---- storage -------------------------------------------------------------------------------
  upload(values: TypedArray, dtype: DType): DataHandle {
    this.rt.check('upload');
    this.dtypeCheck('upload', dtype);
    return this.rt.upload(values, dtype);
  }

  fill(size: number, dtype: DType, value: number): DataHandle {
    this.rt.check('fill');
    this.dtypeCheck('fill', dtype);
    return this.rt.guard(() => mv.fill(this.rt, size, dtype, value));
  }

  read(h: DataHandle): Promise<TypedArray> {
    return this.rt.read(gh(h));
  }

  readSync(_h: DataHandle): TypedArray {
    throw new VarmatError(
      'BACKEND', 'dataSync',
      "the webgpu backend cannot read synchronously; use 'await t.data()' (toArray() and item() read synchronously too)",
    );
  }

  release(h: DataHandle): void {
    this.rt.releaseHandle(gh(h));
  }

  bytesInUse(): number {
    return this.rt.bytesInUse;
  }

  // ---- elementwise -----------------------------------------------------------------------------
  cast(x: DataHandle, dtype: DType): DataHandle {
    this.dtypeCheck('cast', dtype);
    return this.rt.guard(() => ew.cast(this.rt, gh(x), dtype));
  }

  unary(op: UnaryOp, x: DataHandle): DataHandle {
    return this.rt.guard(() => ew.unary(this.rt, op, gh(x)));
  }

  geluBackward(g: DataHandle, x: DataHandle, cdf: DataHandle): DataHandle {
    return this.rt.guard(() => ew.geluBackward(this.rt, gh(g), gh(x), gh(cdf)));
  }

  clip(x: DataHandle, lo: number, hi: number): DataHandle {
    return this.rt.guard(() => ew.clip(this.rt, gh(x), lo, hi));
  }

  binary(op: BinaryOp, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape): DataHandle {
    return this.rt.guard(() => ew.binary(this.rt, op, gh(a), aShape, gh(b), bShape, outShape));
  }

  where(cond: DataHandle, condShape: Shape, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape): DataHandle {
    return this.rt.guard(() => ew.where(this.rt, gh(cond), condShape, gh(a), aShape, gh(b), bShape, outShape));
  }

  // ---- reductions ------------------------------------------------------------------------------
  reduce(op: ReduceOp, x: DataHandle, shape: Shape, axes: readonly number[]): DataHandle {
    return this.rt.guard(() => red.reduce(this.rt, op, gh(x), shape, axes));
  }

  argReduce(op: 'argmax' | 'argmin', x: DataHandle, shape: Shape, axis: number): DataHandle {
    return this.rt.guard(() => red.argReduce(this.rt, op, gh(x), shape, axis));
  }

  // ---- movement --------------------------------------------------------------------------------
  stridedCopy(x: DataHandle, outShape: Shape, strides: readonly number[], offset: number): DataHandle {
    return this.rt.guard(() => mv.stridedCopy(this.rt, gh(x), outShape, strides, offset));
  }

  pad(x: DataHandle, shape: Shape, pads: readonly (readonly [number, number])[], value: number): DataHandle {
    return this.rt.guard(() => mv.pad(this.rt, gh(x), shape, pads, value));
  }

  concat(xs: readonly { h: DataHandle; shape: Shape }[], axis: number): DataHandle {
    return this.rt.guard(() => mv.concat(this.rt, xs.map((x) => ({ h: gh(x.h), shape: x.shape })), axis));
  }

  gather(x: DataHandle, shape: Shape, indices: DataHandle, indicesSize: number, axis: number): DataHandle {
    return this.rt.guard(() => mv.gather(this.rt, gh(x), shape, gh(indices), indicesSize, axis));
  }

  scatterAdd(g: DataHandle, indices: DataHandle, indicesSize: number, outShape: Shape, axis: number): DataHandle {
    return this.rt.guard(() => mv.scatterAdd(this.rt, gh(g), gh(indices), indicesSize, outShape, axis));
  }

  oneHot(indices: DataHandle, size: number, depth: number, dtype: DType): DataHandle {
    this.dtypeCheck('oneHot', dtype);
    return this.rt.guard(() => mv.oneHot(this.rt, gh(indices), size, depth, dtype));
  }

  // ---- linear algebra --------------------------------------------------------------------------
  matmul(a: DataHandle, b: DataHandle, p: MatmulParams): DataHandle {
    return this.rt.guard(() => gemm.matmul(this.rt, gh(a), gh(b), p));
  }

  /** matmul with a pinned GEMM variant (tests and benchmarks). */
  matmulVariant(a: DataHandle, b: DataHandle, p: MatmulParams, variant: gemm.GemmVariant, bias?: DataHandle, activation: gemm.GemmActivation = 'none'): DataHandle {
    return this.rt.guard(() => gemm.matmul(this.rt, gh(a), gh(b), p, variant, bias ? { bias: gh(bias), activation } : undefined));
  }

  /**
   * A linear layer in one dispatch: act(op(A) op(B) + bias), `bias` of length n added to every
   * row, `activation` 'none', 'relu' or 'gelu' (exact). Beyond the contract; see matmul.
   */
  matmulBiasActivation(a: DataHandle, b: DataHandle, p: MatmulParams, bias: DataHandle, activation: gemm.GemmActivation): DataHandle {
    return this.rt.guard(() => gemm.matmul(this.rt, gh(a), gh(b), p, undefined, { bias: gh(bias), activation }));
  }

  conv2d(x: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    return this.rt.guard(() => gemm.conv2d(this.rt, gh(x), gh(w), p));
  }

  conv2dGradInput(dy: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    return this.rt.guard(() => gemm.conv2dGradInput(this.rt, gh(dy), gh(w), p));
  }

  conv2dGradFilter(x: DataHandle, dy: DataHandle, p: Conv2dParams): DataHandle {
    return this.rt.guard(() => gemm.conv2dGradFilter(this.rt, gh(x), gh(dy), p));
  }

  /** A conv2d kernel with a pinned GEMM variant (tests). */
  convVariant(which: 'forward' | 'gradInput' | 'gradFilter', a: DataHandle, b: DataHandle, p: Conv2dParams, variant: gemm.GemmVariant): DataHandle {
    if (which === 'forward') return this.rt.guard(() => gemm.conv2d(this.rt, gh(a), gh(b), p, variant));
    if (which === 'gradInput') return this.rt.guard(() => gemm.conv2dGradInput(this.rt, gh(a), gh(b), p, variant));
    return this.rt.guard(() => gemm.conv2dGradFilter(this.rt, gh(a), gh(b), p, variant));
  }

  // ---- pooling ---------------------------------------------------------------------------------
  maxPool2d(x: DataHandle, p: Pool2dParams): { values: DataHandle; indices: DataHandle } {
    return this.rt.guard(() => pool.maxPool2d(this.rt, gh(x), p));
  }

  avgPool2d(x: DataHandle, p: Pool2dParams): DataHandle {
    return this.rt.guard(() => pool.avgPool2d(this.rt, gh(x), p));
  }

  avgPool2dBackward(dy: DataHandle, p: Pool2dParams): DataHandle {
    return this.rt.guard(() => pool.avgPool2dBackward(this.rt, gh(dy), p));
  }

  // ---- fused row ops ---------------------------------------------------------------------------
  softmax(x: DataHandle, r: number, c: number): DataHandle {
    return this.rt.guard(() => rows.softmax(this.rt, gh(x), r, c));
  }

  logSoftmax(x: DataHandle, r: number, c: number): DataHandle {
    return this.rt.guard(() => rows.logSoftmax(this.rt, gh(x), r, c));
  }

  layerNorm(x: DataHandle, gamma: DataHandle, beta: DataHandle, r: number, c: number, eps: number): DataHandle {
    return this.rt.guard(() => rows.layerNorm(this.rt, gh(x), gh(gamma), gh(beta), r, c, eps));
  }

  layerNormBackward(x: DataHandle, gamma: DataHandle, g: DataHandle, r: number, c: number, eps: number): [DataHandle, DataHandle] {
    return this.rt.guard(() => rows.layerNormBackward(this.rt, gh(x), gh(gamma), gh(g), r, c, eps));
  }

  rowNorms(x: DataHandle, r: number, c: number, p: NormOrder): DataHandle {
    return this.rt.guard(() => rows.rowNorms(this.rt, gh(x), r, c, p));
  }

  // ---- fused updates beyond the contract (see fused-reference.ts) -------------------------------
  /**
   * One fused attack step on [rows, cols] perturbations: step, L2 or L-inf projection onto the
   * budget (per row, or `epsRows`), then the value clip of x + delta. Returns the new delta.
   */
  attackStep(delta: DataHandle, grad: DataHandle, p: AttackStepParams, epsRows?: DataHandle, x?: DataHandle): DataHandle {
    return this.rt.guard(() => fused.attackStep(this.rt, gh(delta), gh(grad), p, epsRows && gh(epsRows), x && gh(x)));
  }

  /** One fused Adam / AdamW step. Returns new parameter and moments (inputs are not modified). */
  adamStep(param: DataHandle, grad: DataHandle, m: DataHandle, v: DataHandle, p: AdamParams): { param: DataHandle; m: DataHandle; v: DataHandle } {
    return this.rt.guard(() => fused.adam(this.rt, gh(param), gh(grad), gh(m), gh(v), p));
  }

  // ---- lifetime and introspection --------------------------------------------------------------
  /** Live storage handles (tests assert this returns to its start value: no GPU buffer leaks). */
  liveBuffers(): number {
    return this.rt.liveHandles;
  }

  /** Counts of the buffer pool. */
  poolStats(): PoolStats {
    return this.rt.poolStats();
  }

  /** Submits recorded work and waits until the GPU has finished it. */
  sync(): Promise<void> {
    return this.rt.sync();
  }

  /** Destroys the device (lets Node exit). The backend is unusable afterwards. */
  destroy(): void {
    this.rt.destroy();
  }
}

/**
 * Creates the WebGPU backend: `navigator.gpu` in browsers and Deno, the optional `webgpu` package
 * (Dawn) in Node, or the `gpu` given. Throws a BACKEND error naming what was tried when there is
 * no adapter.
 *
 * @example
 * const gpu = await createWebGPUBackend();
 * vm.registerBackend(gpu);
 * const x = vm.tensor([1, 2, 3], undefined, { backend: 'webgpu' });
 * console.log(await x.exp().data());
 * gpu.destroy();
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { gpu, ...runtime } = options;
  const acquired = await acquireDevice(gpu);
  return new WebGPUBackend(new GpuRuntime(acquired.device, runtime, [acquired.gpu, acquired.adapter]), acquired.description, acquired.software);
}
