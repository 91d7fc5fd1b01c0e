import type { Tensor } from '../tensor.js';
import { Layer } from './layer.js';

/**
 * max(x, 0).
 *
 * @example
 * new vm.nn.ReLU().forward(vm.tensor([-1, 2]));   // [0, 2]
 */
export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * The exact (erf) GELU, x * Phi(x), as PyTorch's default `GELU`.
 *
 * @example
 * new vm.nn.GELU().forward(vm.tensor([1]));   // [0.8413]
 */
export class GELU extends Layer {
  forward(x: Tensor): Tensor {
    return x.gelu();
  }
}
