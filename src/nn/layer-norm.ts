import { checkOptions } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { layerNorm } from '../ops/nn.js';
import { checkSize, constantInit, type LayerOptions } from './init.js';
import { Layer } from './layer.js';
import type { Parameter } from './parameter.js';

/**
 * Layer normalisation over the last axis with a learned affine map (weight = gamma, initialised 1;
 * bias = beta, initialised 0), eps 1e-5 by default, as PyTorch's `LayerNorm`.
 *
 * @example
 * new vm.nn.LayerNorm(64).forward(vm.randn([2, 20, 64], { seed: 0 })).shape;   // [2, 20, 64]
 */
export class LayerNorm extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly dim: number, readonly eps = 1e-5, options: LayerOptions = {}) {
    super();
    checkOptions('LayerNorm', options, ['rng', 'dtype', 'backend']);
    checkSize('LayerNorm', 'dim', dim);
    this.weight = this.registerParameter('weight', constantInit([dim], 1, options));
    this.bias = this.registerParameter('bias', constantInit([dim], 0, options));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight.value, this.bias.value, this.eps);
  }
}
