import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Dropout } from './dropout.js';
import { checkSize, rngOf, type LayerOptions } from './init.js';
import { Layer } from './layer.js';
import { Linear, linear } from './linear.js';
import { Sequential } from './sequential.js';

/**
 * GEGLU: splits the last axis in two halves [a, gate] and returns a * GELU(gate) (exact erf GELU).
 *
 * @example
 * new vm.nn.GEGLU().forward(vm.zeros([2, 512])).shape;   // [2, 256]
 */
export class GEGLU extends Layer {
  forward(x: Tensor): Tensor {
    const c = x.shape[x.rank - 1];
    if (x.rank < 1 || c % 2 !== 0) fail('SHAPE', 'GEGLU', 'x', 'a tensor whose last axis has even length', x.shape);
    return tidy(() => {
      const begin = x.shape.map(() => 0);
      const size = [...x.shape.slice(0, -1), c / 2];
      const a = x.slice(begin, size);
      const gate = x.slice([...begin.slice(0, -1), c / 2], size);
      return a.mul(gate.gelu());
    });
  }
}

/** Options of `FeedForward`. */
export interface FeedForwardOptions extends LayerOptions {
  /** Hidden width multiplier (default 4). */
  mult?: number;
  /** Dropout after the GEGLU (default 0). */
  dropout?: number;
}

/**
 * The Perceiver's GEGLU feed-forward: `net.0` Linear(dim -> 2 * mult * dim) whose output columns
 * [0, mult * dim) are the value and the rest the gate, `net.1` GEGLU, `net.2` Dropout, `net.3`
 * Linear(mult * dim -> dim). The forward multiplies by the two halves of `net.0` separately, which
 * is the same arithmetic without copying the wide activation.
 *
 * @example
 * const ff = new vm.nn.FeedForward(64, { rng: new vm.Rng(0) });
 * ff.forward(vm.zeros([2, 20, 64])).shape;   // [2, 20, 64]
 */
export class FeedForward extends Layer {
  readonly dim: number;
  readonly hidden: number;
  readonly net: Sequential;
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly drop: Dropout;

  constructor(dim: number, options: FeedForwardOptions = {}) {
    super();
    checkOptions('FeedForward', options, ['rng', 'dtype', 'backend', 'mult', 'dropout']);
    this.dim = checkSize('FeedForward', 'dim', dim);
    this.hidden = dim * checkSize('FeedForward', 'mult', options.mult ?? 4);
    const rng = rngOf('FeedForward', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    this.fc1 = new Linear(dim, 2 * this.hidden, place);
    this.drop = new Dropout(options.dropout ?? 0, { rng });
    this.fc2 = new Linear(this.hidden, dim, place);
    this.net = this.registerModule('net', new Sequential([this.fc1, new GEGLU(), this.drop, this.fc2]));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const w = this.fc1.weight.value;
      const b = this.fc1.bias!.value;
      const hd = this.hidden;
      const a = linear(x, w.slice([0, 0], [hd, this.dim]), b.slice([0], [hd]));
      const gate = linear(x, w.slice([hd, 0], [hd, this.dim]), b.slice([hd], [hd]));
      const h = this.drop.forward(a.mul(gate.gelu()));
      return this.fc2.forward(h);
    });
  }
}
