import type { AdamParams, AttackStepParams } from '../fused-reference.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';

/** The fused attack step (see fused-reference.ts); one workgroup per row. */
export function attackStep(
  rt: GpuRuntime, delta: GpuHandle, grad: GpuHandle, p: AttackStepParams, epsRows?: GpuHandle, x?: GpuHandle,
): GpuHandle {
  const out = rt.output('float32', p.rows * p.cols);
  const clipValues = x !== undefined && (p.lo !== undefined || p.hi !== undefined);
  const uniforms = new UniformWriter()
    .u32(p.rows, p.cols, p.norm === 'l2' ? 2 : 0, epsRows ? 1 : 0)
    .f32(p.step, p.eps, p.lo ?? -Infinity, p.hi ?? Infinity)
    .u32(clipValues ? 1 : 0, 0, 0, 0)
    .data();
  rt.dispatch({
    family: 'fused',
    entry: 'attack_step',
    uniforms,
    bindings: [
      [delta.buffer, 'r'], [out.buffer, 'w'], [grad.buffer, 'r'],
      [(x ?? delta).buffer, 'r'], [(epsRows ?? delta).buffer, 'r'],
    ],
    groups: p.rows * p.cols === 0 ? 0 : p.rows,
  });
  return out;
}

/** One fused Adam / AdamW step; returns new parameter and moment handles. */
export function adam(
  rt: GpuRuntime, param: GpuHandle, grad: GpuHandle, m: GpuHandle, v: GpuHandle, p: AdamParams,
): { param: GpuHandle; m: GpuHandle; v: GpuHandle } {
  const n = param.size;
  const out = { param: rt.output('float32', n), m: rt.output('float32', n), v: rt.output('float32', n) };
  const uniforms = new UniformWriter()
    .u32(n, p.decoupled ? 1 : 0, 0, 0)
    .f32(p.lr, p.beta1, p.beta2, p.eps, p.weightDecay ?? 0, 1 - p.beta1 ** p.t, 1 - p.beta2 ** p.t, 0)
    .data();
  rt.dispatch({
    family: 'fused',
    entry: 'adam',
    uniforms,
    bindings: [
      [param.buffer, 'r'], [out.param.buffer, 'w'], [grad.buffer, 'r'], [m.buffer, 'r'], [v.buffer, 'r'],
      [out.m.buffer, 'w'], [out.v.buffer, 'w'],
    ],
    groups: n === 0 ? 0 : rt.strideGroups(n, 256),
  });
  return out;
}
