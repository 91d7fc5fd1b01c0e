/**
 * varmat: tensors with tape autodiff (gradients of gradients), reference / WebAssembly / WebGPU
 * backends, and VARMAT robust multimodal training.
 *
 * @example
 * import * as vm from 'varmat';
 * await vm.init({ backend: 'wasm' });
 * const w = vm.randn([2, 3], { seed: 1 }).requiresGrad_();
 * const loss = vm.tensor([[1, 2]]).matmul(w).relu().sum();
 * const [gw] = vm.grad([loss], [w], { createGraph: true });
 */
import './backends.js';

export { Tensor, type NestedArray } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export { VarmatError, type VarmatErrorCode } from './errors.js';
export { Rng } from './random.js';
export { init, type InitOptions } from './init.js';
export { getBackend, setBackend, withBackend, memory, registerBackend, type MemoryInfo } from './engine.js';
export { tidy, keep, dispose, type TensorContainer } from './memory.js';
export { profileReport, profileEntries, resetProfile, type ProfileEntry } from './profile.js';
export { enableProfiling } from './profile-control.js';
export { grad, backward, noGrad, type GradOptions } from './autograd/grad.js';
export * from './ops/index.js';
export type { Backend, BackendName, DataHandle, NormOrder } from './backend/backend.js';
export { ReferenceBackend } from './backend/reference/reference-backend.js';
export { createWasmBackend, WasmBackend, type WasmBackendOptions } from './backend/wasm/wasm-backend.js';
export { createWebGPUBackend, WebGPUBackend, type WebGPUBackendOptions } from './backend/webgpu/webgpu-backend.js';
export * as data from './data/index.js';
export * as nn from './nn/index.js';
export { presets } from './nn/index.js';
export * as optim from './optim/index.js';
export * as attacks from './attacks/index.js';
export * as evaluation from './eval/index.js';
export * as robust from './robust/neutral.js';
export {
  parseSafetensors, encodeSafetensors,
  type SafetensorsDType, type SafetensorsData, type SafetensorsEntry, type SafetensorsFile, type SafetensorsInput,
} from './checkpoint/safetensors.js';
