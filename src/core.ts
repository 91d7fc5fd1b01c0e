/**
 * varmat's tensor core (`import * as vm from 'varmat/core'`): tensors, ops, tape autodiff, memory
 * scopes and the three backends, without models, attacks, robust training, data or the command
 * line. An application that only computes with tensors bundles this entry and nothing else.
 *
 * @example
 * import { init, tensor, grad } from 'varmat/core';
 * await init({ backend: 'wasm' });
 * const x = tensor([1, 2, 3]).requiresGrad_();
 * const [g] = grad([x.mul(x).sum()], [x]);   // 2x
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
export { grad, backward, noGrad, type GradOptions } from './autograd/grad.js';
export * from './ops/index.js';
export type { Backend, BackendName, DataHandle, NormOrder } from './backend/backend.js';
