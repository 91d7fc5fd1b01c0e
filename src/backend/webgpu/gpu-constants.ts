/**
 * The numeric flags of the WebGPU API. They are fixed by the specification; defining them here
 * keeps the backend free of the `GPUBufferUsage` / `GPUMapMode` globals, which Node's `webgpu`
 * package does not install unless asked to.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const MapModeRead = 0x0001;
export const ShaderStageCompute = 0x4;

/** Bytes of one uniform slot: every dispatch's parameters live at a multiple of this offset. */
export const UNIFORM_SLOT_BYTES = 256;
