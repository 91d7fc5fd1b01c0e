import type { Tensor } from '../tensor.js';
import { Layer } from './layer.js';

/**
 * Flattens every axis from `startAxis` (default 1, keeping the batch axis) into one.
 *
 * @example
 * new vm.nn.Flatten().forward(vm.zeros([4, 3, 5, 5])).shape;   // [4, 75]
 */
export class Flatten extends Layer {
  constructor(readonly startAxis = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startAxis);
  }
}
