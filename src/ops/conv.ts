import type { Conv2dParams } from '../backend/backend.js';
import { checkOptions, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { backendOf, checkFloat, checkRank, checkSameDtype, checkTensor, wrap } from './op.js';
import { add } from './elementwise.js';
import { reshape } from './movement.js';

/** Options of `conv2d`. A number applies to both spatial axes; a pair is [height, width]. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  /** Added per output channel, shape [outC]. */
  bias?: Tensor;
}

/** Reads a number-or-pair option, checking it is an integer >= `min`. */
export function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number, min: number): [number, number] {
  const p: readonly number[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    fail('OPTION', op, name, `an integer >= ${min} or a pair of them`, v);
  }
  return [p[0], p[1]];
}

/** Validates conv2d arguments and derives the kernel parameters. */
export function conv2dParams(x: Tensor, w: Tensor, options: Conv2dOptions): Conv2dParams {
  checkOptions('conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
  checkRank('conv2d', 'x', x, 4);
  checkRank('conv2d', 'w', w, 4);
  const [strideH, strideW] = pair('conv2d', 'stride', options.stride, 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', options.padding, 0, 0);
  const [dilationH, dilationW] = pair('conv2d', 'dilation', options.dilation, 1, 1);
  const groups = options.groups ?? 1;
  const [n, inC, inH, inW] = x.shape;
  const [outC, cPerG, kH, kW] = w.shape;
  if (!Number.isInteger(groups) || groups < 1 || inC % groups !== 0 || outC % groups !== 0) {
    fail('OPTION', 'conv2d', 'groups', `a positive divisor of in channels (${inC}) and out channels (${outC})`, groups);
  }
  if (cPerG !== inC / groups) {
    fail('SHAPE', 'conv2d', 'w', `[outC, ${inC / groups} (= inC / groups), kH, kW]`, w.shape);
  }
  const outH = Math.floor((inH + 2 * padH - dilationH * (kH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((inW + 2 * padW - dilationW * (kW - 1) - 1) / strideW) + 1;
  if (outH < 1 || outW < 1) {
    fail('SHAPE', 'conv2d', 'x', `an input at least as large as the dilated kernel (${dilationH * (kH - 1) + 1}x${dilationW * (kW - 1) + 1}) after padding`, x.shape);
  }
  return { n, inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW };
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of NCHW `x` with filters
 * [outC, inC / groups, kH, kW].
 *
 * @example
 * vm.conv2d(vm.ones([1, 3, 8, 8]), vm.ones([4, 3, 3, 3]), { stride: 2, padding: 1 }).shape; // [1, 4, 4, 4]
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'x', x);
  checkTensor('conv2d', 'w', w);
  checkFloat('conv2d', 'x', x);
  checkSameDtype('conv2d', x, w);
  const p = conv2dParams(x, w, options);
  const y = convForward(x, w, p);
  if (options.bias === undefined) return y;
  const bias = checkTensor('conv2d', 'bias', options.bias);
  if (bias.rank !== 1 || bias.shape[0] !== p.outC) fail('SHAPE', 'conv2d', 'bias', `shape [${p.outC}]`, bias.shape);
  const b4 = reshape(bias, [1, p.outC, 1, 1]);
  const out = add(y, b4);
  y.dispose();
  b4.dispose();
  return out;
}

function convForward(x: Tensor, w: Tensor, p: Conv2dParams): Tensor {
  const b = backendOf('conv2d', [x, w]);
  const y = wrap(b, b.conv2d(x.storage.handle, w.storage.handle, p), [p.n, p.outC, p.outH, p.outW]);
  return record('conv2d', [x, w], y, (g, needs) => [
    needs[0] ? conv2dGradInput(g, w, p) : null,
    needs[1] ? conv2dGradFilter(x, g, p) : null,
  ]);
}

/**
 * The gradient of conv2d with respect to its input (a transposed convolution of `dy`). Linear in
 * `dy` and in `w`, and itself differentiable, so second-order gradients through conv2d work.
 */
export function conv2dGradInput(dy: Tensor, w: Tensor, p: Conv2dParams): Tensor {
  const b = backendOf('conv2dGradInput', [dy, w]);
  const y = wrap(b, b.conv2dGradInput(dy.storage.handle, w.storage.handle, p), [p.n, p.inC, p.inH, p.inW]);
  return record('conv2dGradInput', [dy, w], y, (g, needs) => [
    needs[0] ? convForward(g, w, p) : null,
    needs[1] ? conv2dGradFilter(g, dy, p) : null,
  ]);
}

/** The gradient of conv2d with respect to its filters; differentiable in `x` and `dy`. */
export function conv2dGradFilter(x: Tensor, dy: Tensor, p: Conv2dParams): Tensor {
  const b = backendOf('conv2dGradFilter', [x, dy]);
  const shape = [p.outC, p.inC / p.groups, p.kH, p.kW];
  const y = wrap(b, b.conv2dGradFilter(x.storage.handle, dy.storage.handle, p), shape);
  return record('conv2dGradFilter', [x, dy], y, (g, needs) => [
    needs[0] ? conv2dGradInput(dy, g, p) : null,
    needs[1] ? convForward(x, g, p) : null,
  ]);
}
