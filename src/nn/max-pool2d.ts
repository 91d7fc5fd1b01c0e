import type { Tensor } from '../tensor.js';
import { maxPool2d, type Pool2dOptions } from '../ops/pool.js';
import { Layer } from './layer.js';

/**
 * Max pooling over NCHW input (stride defaults to the kernel size), as PyTorch's `MaxPool2d`.
 *
 * @example
 * new vm.nn.MaxPool2d(2).forward(vm.zeros([1, 3, 8, 8])).shape;   // [1, 3, 4, 4]
 */
export class MaxPool2d extends Layer {
  constructor(readonly kernelSize: number | readonly [number, number], readonly options: Pool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}
