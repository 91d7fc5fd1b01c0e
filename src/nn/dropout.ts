import { fail } from '../errors.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { dropout } from '../ops/nn.js';
import { rngOf } from './init.js';
import { Layer } from './layer.js';

/**
 * Inverted dropout: in training mode each element is zeroed with probability `p` and the rest
 * scaled by 1 / (1 - p); in evaluation mode (and for p = 0) it returns its input unchanged. The
 * masks come from the layer's own seeded generator.
 *
 * @example
 * const drop = new vm.nn.Dropout(0.1, { rng: 7 });
 * drop.eval().forward(x) === x;   // true
 */
export class Dropout extends Layer {
  private readonly rng: Rng;

  constructor(readonly p = 0, options: { rng?: Rng | number } = {}) {
    super();
    if (!(p >= 0 && p < 1)) fail('VALUE', 'Dropout', 'p', 'a probability in [0, 1)', p);
    this.rng = rngOf('Dropout', options);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, { rng: this.rng });
  }
}
