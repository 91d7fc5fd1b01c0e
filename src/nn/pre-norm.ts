import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import type { LayerOptions } from './init.js';
import { LayerNorm } from './layer-norm.js';
import { Module } from './module.js';

/** A module with a forward of one input and an optional context (attention, feed-forward). */
export interface ContextModule extends Module {
  forward(x: Tensor, context?: Tensor): Tensor;
}

/**
 * LayerNorm before a function: `fn(norm(x), norm_context(context))`, the Perceiver's `PreNorm`.
 * The residual is added by the caller. `norm_context` exists only when `contextDim` is given.
 *
 * @example
 * const block = new vm.nn.PreNorm(64, new vm.nn.FeedForward(64));
 * const y = block.forward(x).add(x);
 */
export class PreNorm<F extends ContextModule = ContextModule> extends Module {
  readonly fn: F;
  readonly norm: LayerNorm;
  readonly normContext: LayerNorm | null;

  constructor(dim: number, fn: F, options: LayerOptions & { contextDim?: number; eps?: number } = {}) {
    super();
    const place = { dtype: options.dtype, backend: options.backend };
    this.fn = this.registerModule('fn', fn);
    this.norm = this.registerModule('norm', new LayerNorm(dim, options.eps ?? 1e-5, place));
    this.normContext = options.contextDim === undefined
      ? null
      : this.registerModule('norm_context', new LayerNorm(options.contextDim, options.eps ?? 1e-5, place));
  }

  forward(x: Tensor, context?: Tensor): Tensor {
    return tidy(() => {
      const xn = this.norm.forward(x);
      if (this.normContext === null || context === undefined) return this.fn.forward(xn);
      return this.fn.forward(xn, this.normContext.forward(context));
    });
  }
}
