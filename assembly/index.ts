// The kernels module: every export here is callable from src/backend/wasm. Pointers are byte
// offsets into linear memory, counts are elements; memory is managed by the TypeScript allocator
// (src/backend/wasm/allocator.ts), which owns everything above `heapBase()`.

export { gemmScratchBytes, matmul, matmulChunk } from './gemm';
export { conv2d, conv2dGradFilter, conv2dGradInput, convScratchBytes } from './conv';
export { binary, castF32ToI32, castI32ToF32, clip, geluBackward, unary } from './elementwise';
export { reduce } from './reduce';
export { layerNorm, layerNormBackward, logSoftmax, rowNorms, softmax } from './rows';
export { avgPool2d, avgPool2dBackward, maxPool2d } from './pool';
export { copyBlocks, stridedCopy } from './movement';
export { adamStep } from './optim';

/** Bytes of the argument block that callers fill with i32 parameters and shapes. */
export const ARGS_BYTES: i32 = 1024;
const ARGS = memory.data(ARGS_BYTES, 16);

/** Address of the argument block. */
export function argsPtr(): usize {
  return ARGS;
}

/** First byte of linear memory that the allocator may hand out. */
export function heapBase(): usize {
  return __heap_base;
}
