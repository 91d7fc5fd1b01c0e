import type { Pool2dParams } from '../../backend.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';

const WG = 64;

function poolUniforms(p: Pool2dParams, size: number): Uint32Array {
  return new UniformWriter()
    .u32(p.n * p.c, p.inH, p.inW, p.outH, p.outW, p.kH, p.kW, p.strideH, p.strideW, p.padH, p.padW, size)
    .data();
}

/** Max pooling values and flat argmax indices (int32). */
export function maxPool2d(rt: GpuRuntime, x: GpuHandle, p: Pool2dParams): { values: GpuHandle; indices: GpuHandle } {
  const size = p.n * p.c * p.outH * p.outW;
  const values = rt.output(x.dtype, size);
  const indices = rt.output('int32', size);
  rt.dispatch({
    family: 'pool',
    entry: 'max_pool',
    uniforms: poolUniforms(p, size),
    bindings: [[x.buffer, 'r'], [values.buffer, 'w'], [indices.buffer, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return { values, indices };
}

/** Average pooling; padding counts in the divisor. */
export function avgPool2d(rt: GpuRuntime, x: GpuHandle, p: Pool2dParams): GpuHandle {
  const size = p.n * p.c * p.outH * p.outW;
  const out = rt.output(x.dtype, size);
  rt.dispatch({
    family: 'pool',
    entry: 'avg_pool',
    uniforms: poolUniforms(p, size),
    bindings: [[x.buffer, 'r'], [out.buffer, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}

/** The adjoint of average pooling, one invocation per input element. */
export function avgPool2dBackward(rt: GpuRuntime, dy: GpuHandle, p: Pool2dParams): GpuHandle {
  const size = p.n * p.c * p.inH * p.inW;
  const out = rt.output(dy.dtype, size);
  rt.dispatch({
    family: 'pool',
    entry: 'avg_pool_backward',
    uniforms: poolUniforms(p, size),
    bindings: [[dy.buffer, 'r'], [out.buffer, 'w']],
    groups: size === 0 ? 0 : rt.strideGroups(size, WG),
  });
  return out;
}
