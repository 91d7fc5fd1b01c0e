import type { DType } from '../../dtype.js';
import type { DataHandle } from '../backend.js';

/** WebGPU storage: a pooled GPU buffer holding `size` 32-bit elements of `dtype`. */
export class GpuHandle implements DataHandle {
  /** Set once the owner releases it; the buffer then returns to the pool after the GPU is done. */
  released = false;

  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly buffer: GPUBuffer,
  ) {}

  /** Bytes of the elements (the buffer itself may be larger: pool size classes). */
  get bytes(): number {
    return this.size * 4;
  }
}
