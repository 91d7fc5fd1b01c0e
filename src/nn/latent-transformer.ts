import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Attention } from './attention.js';
import { FeedForward } from './feed-forward.js';
import { rngOf, type LayerOptions } from './init.js';
import { Module } from './module.js';
import { PreNorm } from './pre-norm.js';
import { ModuleList } from './sequential.js';

/** Options of `LatentTransformer`. */
export interface LatentTransformerOptions extends LayerOptions {
  /** Self-attention blocks (default 1). */
  blocks?: number;
  heads?: number;
  dimHead?: number;
  ffMult?: number;
  eps?: number;
}

/** One block of the latent transformer: [PreNorm(self-attention), PreNorm(GEGLU feed-forward)]. */
export class LatentBlock extends ModuleList<PreNorm> {
  constructor(dim: number, options: LatentTransformerOptions) {
    const rng = rngOf('LatentTransformer', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    super([
      new PreNorm(dim, new Attention(dim, { ...place, heads: options.heads ?? 8, dimHead: options.dimHead ?? 64 }), { ...place, eps: options.eps }),
      new PreNorm(dim, new FeedForward(dim, { ...place, mult: options.ffMult ?? 4 }), { ...place, eps: options.eps }),
    ]);
  }
}

/**
 * The Perceiver's latent transformer (`latent_blocks`): per block, `y = x + SA(LN(x))` then
 * `y = y + FF(LN(y))`. It adds its own residuals; the Perceiver layer around it adds its input once
 * more (the double residual of VARMAT.md 6.1).
 *
 * @example
 * const lt = new vm.nn.LatentTransformer(64, { heads: 6, dimHead: 64 });
 * lt.forward(vm.zeros([2, 20, 64])).shape;   // [2, 20, 64]
 */
export class LatentTransformer extends Module {
  readonly blocks: ModuleList<LatentBlock>;

  constructor(dim: number, options: LatentTransformerOptions = {}) {
    super();
    const rng = rngOf('LatentTransformer', options);
    const n = options.blocks ?? 1;
    this.blocks = this.registerModule('latent_blocks', new ModuleList(
      Array.from({ length: n }, () => new LatentBlock(dim, { ...options, rng })),
    ));
  }

  /**
   * Runs the blocks. `onAttention` sees the stream after each self-attention residual (the
   * fixtures' `lt_y`).
   */
  forward(x: Tensor, onAttention?: (y: Tensor, block: number) => void): Tensor {
    return tidy(() => {
      let y = x;
      this.blocks.items.forEach((block, i) => {
        const [sa, ff] = block.items;
        y = sa.forward(y).add(y);
        onAttention?.(y, i);
        y = ff.forward(y).add(y);
      });
      return y;
    });
  }
}
