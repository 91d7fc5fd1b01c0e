import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Layer } from './layer.js';
import { Module } from './module.js';

/**
 * Layers applied in order, registered as '0', '1', ... (PyTorch's `nn.Sequential` naming, so that
 * `to_out.0.weight` names the first layer's weight). Intermediate results are freed as it goes;
 * gradients still flow.
 *
 * @example
 * const mlp = new vm.nn.Sequential([new vm.nn.Linear(4, 8), new vm.nn.ReLU(), new vm.nn.Linear(8, 2)]);
 * mlp.forward(vm.zeros([3, 4])).shape;   // [3, 2]
 */
export class Sequential extends Layer {
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Layer)) fail('VALUE', 'Sequential', `layers[${i}]`, 'a Layer (a module with forward(x))', l);
      this.registerModule(String(i), l);
    });
    this.layers = [...layers];
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h);
      if (h !== x && next !== h) h.dispose();
      h = next;
    }
    return h;
  }
}

/**
 * A list of submodules registered as '0', '1', ... (PyTorch's `nn.ModuleList`), for models that
 * call their parts themselves.
 *
 * @example
 * const blocks = new vm.nn.ModuleList([new vm.nn.Linear(4, 4), new vm.nn.Linear(4, 4)]);
 * blocks.at(1);
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(modules: readonly M[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.items = [...modules];
  }

  /** The module at `index`. */
  at(index: number): M {
    const m = this.items[index];
    if (m === undefined) fail('VALUE', 'ModuleList.at', 'index', `an integer in 0..${this.items.length - 1}`, index);
    return m;
  }

  get length(): number {
    return this.items.length;
  }
}
