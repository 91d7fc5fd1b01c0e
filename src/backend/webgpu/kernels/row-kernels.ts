import type { NormOrder } from '../../backend.js';
import type { GpuHandle } from '../gpu-handle.js';
import type { GpuRuntime } from '../gpu-runtime.js';
import { UniformWriter } from '../uniform-writer.js';

type RowEntry = 'softmax' | 'log_softmax' | 'layer_norm' | 'layer_norm_backward' | 'row_norms';

function rowKernel(
  rt: GpuRuntime, entry: RowEntry, x: GpuHandle, rows: number, cols: number, outSize: number,
  extra: { order?: number; eps?: number; gamma?: GpuHandle; beta?: GpuHandle } = {},
): GpuHandle {
  const out = rt.output(x.dtype, outSize);
  const bindings: [GPUBuffer, 'r' | 'w'][] = [[x.buffer, 'r'], [out.buffer, 'w']];
  if (extra.gamma && extra.beta) bindings.push([extra.gamma.buffer, 'r'], [extra.beta.buffer, 'r']);
  rt.dispatch({
    family: 'rows',
    entry,
    uniforms: new UniformWriter().u32(rows, cols, extra.order ?? 0).f32(extra.eps ?? 0).data(),
    bindings,
    groups: outSize === 0 ? 0 : rows,
  });
  return out;
}

/** Row softmax, max-subtracted; a workgroup per row. */
export function softmax(rt: GpuRuntime, x: GpuHandle, rows: number, cols: number): GpuHandle {
  return rowKernel(rt, 'softmax', x, rows, cols, rows * cols);
}

/** Row log-softmax: x - max - log(sum(exp(x - max))). */
export function logSoftmax(rt: GpuRuntime, x: GpuHandle, rows: number, cols: number): GpuHandle {
  return rowKernel(rt, 'log_softmax', x, rows, cols, rows * cols);
}

/** Row layer norm with biased variance, two passes over the row. */
export function layerNorm(rt: GpuRuntime, x: GpuHandle, gamma: GpuHandle, beta: GpuHandle, rows: number, cols: number, eps: number): GpuHandle {
  return rowKernel(rt, 'layer_norm', x, rows, cols, rows * cols, { eps, gamma, beta });
}

/** layerNorm's backward pass: [dx, g * xhat], a workgroup per row. */
export function layerNormBackward(
  rt: GpuRuntime, x: GpuHandle, gamma: GpuHandle, g: GpuHandle, rows: number, cols: number, eps: number,
): [GpuHandle, GpuHandle] {
  const dx = rt.output(x.dtype, rows * cols);
  const gxhat = rt.output(x.dtype, rows * cols);
  rt.dispatch({
    family: 'rows',
    entry: 'layer_norm_backward' satisfies RowEntry,
    uniforms: new UniformWriter().u32(rows, cols, 0).f32(eps).data(),
    bindings: [[x.buffer, 'r'], [dx.buffer, 'w'], [gamma.buffer, 'r'], [g.buffer, 'r'], [gxhat.buffer, 'w']],
    groups: rows * cols === 0 ? 0 : rows,
  });
  return [dx, gxhat];
}

/** Per-row L1, L2 (scaled: no underflow or overflow) or L-infinity norms: the gradient-norm probe. */
export function rowNorms(rt: GpuRuntime, x: GpuHandle, rows: number, cols: number, p: NormOrder): GpuHandle {
  return rowKernel(rt, 'row_norms', x, rows, cols, rows, { order: p === Infinity ? 0 : p });
}
