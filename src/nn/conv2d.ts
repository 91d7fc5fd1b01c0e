import { checkOptions } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { conv2d } from '../ops/conv.js';
import { checkSize, rngOf, uniformInit, type LayerOptions } from './init.js';
import { Layer } from './layer.js';
import type { Parameter } from './parameter.js';

/** Options of `Conv2d`. A number applies to both spatial axes; a pair is [height, width]. */
export interface Conv2dLayerOptions extends LayerOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  /** Add a learned bias (default true). */
  bias?: boolean;
}

/**
 * 2-D convolution over NCHW input with filters [out, in / groups, kH, kW], as PyTorch's `Conv2d`,
 * initialised like it: filters and bias uniform in +-1/sqrt(fan_in), fan_in = in / groups * kH * kW.
 *
 * @example
 * const conv = new vm.nn.Conv2d(1, 8, 5, { padding: 2, rng: new vm.Rng(0) });
 * conv.forward(vm.zeros([4, 1, 28, 28])).shape;   // [4, 8, 28, 28]
 */
export class Conv2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private readonly options: Pick<Conv2dLayerOptions, 'stride' | 'padding' | 'dilation' | 'groups'>;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dLayerOptions = {}) {
    super();
    checkOptions('Conv2d', options, ['rng', 'dtype', 'backend', 'stride', 'padding', 'dilation', 'groups', 'bias']);
    checkSize('Conv2d', 'inChannels', inChannels);
    checkSize('Conv2d', 'outChannels', outChannels);
    const [kH, kW] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    checkSize('Conv2d', 'kernelSize', kH);
    checkSize('Conv2d', 'kernelSize', kW);
    const groups = checkSize('Conv2d', 'groups', options.groups ?? 1);
    const rng = rngOf('Conv2d', options);
    const fanIn = (inChannels / groups) * kH * kW;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.registerParameter('weight', uniformInit([outChannels, inChannels / groups, kH, kW], bound, rng, options));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit([outChannels], bound, rng, options));
    this.options = { stride: options.stride, padding: options.padding, dilation: options.dilation, groups };
  }

  forward(x: Tensor): Tensor {
    const opts = { ...this.options, ...(this.bias ? { bias: this.bias.value } : {}) };
    for (const k of Object.keys(opts) as (keyof typeof opts)[]) if (opts[k] === undefined) delete opts[k];
    return conv2d(x, this.weight.value, opts);
  }
}
