import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Dropout } from './dropout.js';
import { checkSize, rngOf, type LayerOptions } from './init.js';
import { Linear, linear } from './linear.js';
import { Module } from './module.js';
import { Sequential } from './sequential.js';

/** Options of `Attention`. */
export interface AttentionOptions extends LayerOptions {
  /** Width of the key/value source (default: the query width, i.e. self-attention). */
  contextDim?: number;
  /** Number of heads (default 8). */
  heads?: number;
  /** Width of each head (default 64). */
  dimHead?: number;
  /** Dropout on the output (default 0). */
  dropout?: number;
}

/**
 * Multi-head attention, self or cross, in the layout of the Perceiver code the paper builds on:
 * `to_q` (query width -> heads * dimHead, no bias), `to_kv` (context width -> 2 * heads * dimHead,
 * no bias; rows [0, inner) give K and rows [inner, 2 inner) give V), heads head-major (channel c
 * belongs to head c / dimHead), scaled dot products (scale dimHead^-0.5) with a softmax over the
 * keys, heads concatenated back in order, then `to_out.0` (inner -> query width, with bias).
 *
 * @example
 * const ca = new vm.nn.Attention(64, { contextDim: 284, heads: 1, dimHead: 64, rng: new vm.Rng(0) });
 * ca.forward(latents, tokens).shape;   // [B, 20, 64] for latents [B, 20, 64] and tokens [B, 49, 284]
 */
export class Attention extends Module {
  readonly heads: number;
  readonly dimHead: number;
  readonly queryDim: number;
  readonly contextDim: number;
  readonly scale: number;
  readonly toQ: Linear;
  readonly toKv: Linear;
  readonly toOut: Sequential;

  constructor(queryDim: number, options: AttentionOptions = {}) {
    super();
    checkOptions('Attention', options, ['rng', 'dtype', 'backend', 'contextDim', 'heads', 'dimHead', 'dropout']);
    this.queryDim = checkSize('Attention', 'queryDim', queryDim);
    this.contextDim = checkSize('Attention', 'contextDim', options.contextDim ?? queryDim);
    this.heads = checkSize('Attention', 'heads', options.heads ?? 8);
    this.dimHead = checkSize('Attention', 'dimHead', options.dimHead ?? 64);
    this.scale = this.dimHead ** -0.5;
    const inner = this.heads * this.dimHead;
    const rng = rngOf('Attention', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    this.toQ = this.registerModule('to_q', new Linear(queryDim, inner, { ...place, bias: false }));
    this.toKv = this.registerModule('to_kv', new Linear(this.contextDim, 2 * inner, { ...place, bias: false }));
    this.toOut = this.registerModule('to_out', new Sequential([
      new Linear(inner, queryDim, place),
      new Dropout(options.dropout ?? 0, { rng }),
    ]));
  }

  /**
   * Attends from `x` [B, N, queryDim] to `context` [B, M, contextDim] (default `x`); returns
   * [B, N, queryDim].
   */
  forward(x: Tensor, context: Tensor = x): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.queryDim) fail('SHAPE', 'Attention', 'x', `[B, N, ${this.queryDim}]`, x.shape);
    if (context.rank !== 3 || context.shape[2] !== this.contextDim || context.shape[0] !== x.shape[0]) {
      fail('SHAPE', 'Attention', 'context', `[${x.shape[0]}, M, ${this.contextDim}]`, context.shape);
    }
    return tidy(() => {
      const [b, n] = x.shape;
      const m = context.shape[1];
      const h = this.heads;
      const d = this.dimHead;
      const inner = h * d;
      const wkv = this.toKv.weight.value;
      // Scaling q before the product equals scaling the scores (exactly so for dimHead = 64).
      const q = linear(x, this.toQ.weight.value, null).mul(this.scale);
      const k = linear(context, wkv.slice([0, 0], [inner, this.contextDim]), null);
      const v = linear(context, wkv.slice([inner, 0], [inner, this.contextDim]), null);
      const split = (t: Tensor, len: number): Tensor => (h === 1 ? t : t.reshape([b, len, h, d]).permute([0, 2, 1, 3]));
      const attn = split(q, n).matmul(split(k, m), { transB: true }).softmax(-1);
      const o = attn.matmul(split(v, m));
      const merged = h === 1 ? o : o.permute([0, 2, 1, 3]).reshape([b, n, inner]);
      return this.toOut.forward(merged);
    });
  }
}
