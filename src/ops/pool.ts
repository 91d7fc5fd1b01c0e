import type { Pool2dParams } from '../backend/backend.js';
import { checkOptions, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { backendOf, checkFloat, checkRank, checkTensor, wrap } from './op.js';
import { reshape, scatterAdd } from './movement.js';
import { pair } from './conv.js';

/** Options of the pooling ops. `stride` defaults to the kernel size. */
export interface Pool2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

function poolParams(op: string, x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions): Pool2dParams {
  checkOptions(op, options, ['stride', 'padding']);
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  checkRank(op, 'x', x, 4);
  const [kH, kW] = pair(op, 'kernel', kernel, 1, 1);
  const [strideH, strideW] = pair(op, 'stride', options.stride, kH, 1);
  const [padH, padW] = pair(op, 'padding', options.padding, 0, 0);
  if (padH > kH / 2 || padW > kW / 2) fail('OPTION', op, 'padding', 'at most half the kernel size', options.padding);
  const [n, c, inH, inW] = x.shape;
  const outH = Math.floor((inH + 2 * padH - kH) / strideH) + 1;
  const outW = Math.floor((inW + 2 * padW - kW) / strideW) + 1;
  if (outH < 1 || outW < 1) fail('SHAPE', op, 'x', `spatial size at least the kernel (${kH}x${kW}) after padding`, x.shape);
  return { n, c, inH, inW, kH, kW, strideH, strideW, padH, padW, outH, outW };
}

/**
 * Max pooling over NCHW `x`. The gradient goes to the first maximum of each window.
 *
 * @example
 * vm.maxPool2d(vm.randn([1, 1, 4, 4], { seed: 0 }), 2).shape; // [1, 1, 2, 2]
 */
export function maxPool2d(x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions = {}): Tensor {
  const p = poolParams('maxPool2d', x, kernel, options);
  const b = backendOf('maxPool2d', [x]);
  const { values, indices } = b.maxPool2d(x.storage.handle, p);
  const shape = [p.n, p.c, p.outH, p.outW];
  const y = wrap(b, values, shape);
  const idx = wrap(b, indices, [p.n * p.c * p.outH * p.outW]);
  // d x = scatter of g at the argmax positions: linear in g, and its adjoint is a gather, so
  // second-order gradients work.
  record('maxPool2d', [x], y, (g) => {
    const flat = reshape(g, [idx.size]);
    const dx = scatterAdd(flat, idx, 0, [x.size]);
    const out = reshape(dx, x.shape);
    flat.dispose();
    dx.dispose();
    return [out];
  }, [idx]);
  idx.dispose();
  return y;
}

/**
 * Average pooling over NCHW `x`; padded positions count in the divisor (PyTorch's default).
 *
 * @example
 * vm.avgPool2d(vm.ones([1, 1, 4, 4]), 2).shape; // [1, 1, 2, 2]
 */
export function avgPool2d(x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions = {}): Tensor {
  const p = poolParams('avgPool2d', x, kernel, options);
  return avgPoolForward(x, p);
}

function avgPoolForward(x: Tensor, p: Pool2dParams): Tensor {
  const b = backendOf('avgPool2d', [x]);
  const y = wrap(b, b.avgPool2d(x.storage.handle, p), [p.n, p.c, p.outH, p.outW]);
  return record('avgPool2d', [x], y, (g) => [avgPoolBackward(g, p)]);
}

function avgPoolBackward(dy: Tensor, p: Pool2dParams): Tensor {
  const b = backendOf('avgPool2dBackward', [dy]);
  const y = wrap(b, b.avgPool2dBackward(dy.storage.handle, p), [p.n, p.c, p.inH, p.inW]);
  return record('avgPool2dBackward', [dy], y, (g) => [avgPoolForward(g, p)]);
}


