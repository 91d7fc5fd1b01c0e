/**
 * The exports of the AssemblyScript kernels module (assembly/index.ts). Pointers are byte offsets
 * into `memory`; counts are elements; booleans travel as 0/1.
 */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  argsPtr(): number;
  heapBase(): number;
  gemmScratchBytes(m: number, n: number, k: number): number;
  matmul(
    a: number, b: number, c: number, batch: number, m: number, n: number, k: number,
    transA: number, transB: number, strideA: number, strideB: number, scratch: number,
  ): void;
  matmulChunk(
    a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number,
    strideA: number, strideB: number, scratch: number, splits: number, byCols: number, chunk: number,
    batch: number, per: number,
  ): void;
  convScratchBytes(params: number): number;
  conv2d(x: number, w: number, y: number, params: number, scratch: number): void;
  conv2dGradInput(dy: number, w: number, dx: number, params: number, scratch: number): void;
  conv2dGradFilter(x: number, dy: number, dw: number, params: number, scratch: number): void;
  unary(op: number, x: number, out: number, n: number): void;
  geluBackward(g: number, x: number, cdf: number, out: number, n: number): void;
  copyBlocks(src: number, dst: number, count: number, len: number, srcStride: number, dstStride: number): void;
  adamStep(
    param: number, grad: number, m: number, v: number, outParam: number, outM: number, outV: number, n: number,
    mode: number, shrink: number, decay: number, keep1: number, beta2: number, keep2: number, sqrtBc2: number, eps: number, stepSize: number,
  ): void;
  binary(op: number, a: number, b: number, out: number, rank: number, meta: number): void;
  clip(x: number, out: number, n: number, lo: number, hi: number): void;
  castF32ToI32(x: number, out: number, n: number): void;
  castI32ToF32(x: number, out: number, n: number): void;
  reduce(op: number, x: number, out: number, outer: number, r: number, inner: number): void;
  softmax(x: number, out: number, rows: number, cols: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  layerNorm(x: number, gamma: number, beta: number, out: number, rows: number, cols: number, eps: number): void;
  layerNormBackward(x: number, gamma: number, g: number, dx: number, gxhat: number, rows: number, cols: number, eps: number): void;
  rowNorms(x: number, out: number, rows: number, cols: number, p: number): void;
  maxPool2d(x: number, values: number, indices: number, params: number): void;
  avgPool2d(x: number, out: number, params: number): void;
  avgPool2dBackward(dy: number, dx: number, params: number): void;
  stridedCopy(x: number, out: number, rank: number, meta: number, offset: number): void;
}

/** Bytes of the kernels' argument block (ARGS_BYTES in assembly/index.ts). */
export const ARGS_BYTES = 1024;
