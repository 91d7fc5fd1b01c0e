import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Attention } from './attention.js';
import { FeedForward } from './feed-forward.js';
import { rngOf, type LayerOptions } from './init.js';
import { LatentTransformer } from './latent-transformer.js';
import { Module } from './module.js';
import { PreNorm } from './pre-norm.js';

/** Options of `PerceiverLayer`. */
export interface PerceiverLayerOptions extends LayerOptions {
  /** Width of the context the latents attend to. */
  contextDim: number;
  crossHeads: number;
  crossDimHead: number;
  latentHeads: number;
  latentDimHead: number;
  ffMult: number;
  eps?: number;
}

/** Receives named intermediate tensors (freed when the forward returns: hold one with `vm.keep(t.detach())`). */
export type TraceFn = (name: string, t: Tensor) => void;

/**
 * One Perceiver layer as the authors' code stacks it, registered as '0', '1', '2':
 * ```
 * h1 = CA(LN(x), LN_ctx(ctx)) + x          // '0': PreNorm(cross-attention) with norm_context
 * h2 = FF(LN(h1)) + h1                     // '1': PreNorm(GEGLU feed-forward)
 * out = LT(h2) + h2                        // '2': latent transformer, plus the outer residual
 * ```
 * The encoder (`layers.0`) and the fusion (`cross_layers.0`) are both this block.
 *
 * @example
 * const layer = new vm.nn.PerceiverLayer(64, { contextDim: 284, crossHeads: 1, crossDimHead: 64,
 *   latentHeads: 6, latentDimHead: 64, ffMult: 4 });
 */
export class PerceiverLayer extends Module {
  readonly crossAttention: PreNorm<Attention>;
  readonly crossFeedForward: PreNorm<FeedForward>;
  readonly latentTransformer: LatentTransformer;

  constructor(readonly dim: number, options: PerceiverLayerOptions) {
    super();
    const rng = rngOf('PerceiverLayer', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    this.crossAttention = this.registerModule('0', new PreNorm(
      dim,
      new Attention(dim, { ...place, contextDim: options.contextDim, heads: options.crossHeads, dimHead: options.crossDimHead }),
      { ...place, contextDim: options.contextDim, eps: options.eps },
    ));
    this.crossFeedForward = this.registerModule('1', new PreNorm(dim, new FeedForward(dim, { ...place, mult: options.ffMult }), { ...place, eps: options.eps }));
    this.latentTransformer = this.registerModule('2', new LatentTransformer(dim, {
      ...place, heads: options.latentHeads, dimHead: options.latentDimHead, ffMult: options.ffMult, eps: options.eps,
    }));
  }

  /** Runs the layer on latents `x` [B, N, dim] with `context` [B, M, contextDim]. */
  forward(x: Tensor, context: Tensor, trace?: TraceFn): Tensor {
    return tidy(() => {
      const h1 = this.crossAttention.forward(x, context).add(x);
      trace?.('h1', h1);
      const h2 = this.crossFeedForward.forward(h1).add(h1);
      trace?.('h2', h2);
      const y = this.latentTransformer.forward(h2, trace && ((t) => trace('lt_y', t)));
      return y.add(h2);
    });
  }
}
