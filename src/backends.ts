import { createWasmBackend } from './backend/wasm/wasm-backend.js';
import { createWebGPUBackend } from './backend/webgpu/webgpu-backend.js';
import { registerBackendFactory } from './init.js';

// The optional backends offer themselves to `init`. The WebAssembly bytes are embedded in the
// bundle; WebGPU comes from the platform (navigator.gpu, or Node's optional `webgpu` package).
registerBackendFactory('wasm', (options) => createWasmBackend(options.threads === undefined ? {} : { threads: options.threads }));
registerBackendFactory('webgpu', () => createWebGPUBackend());
