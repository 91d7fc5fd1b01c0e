import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * A module with one input and one output, as `Sequential` chains them.
 *
 * @example
 * class Double extends vm.nn.Layer { forward(x: vm.Tensor) { return x.mul(2); } }
 */
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}
