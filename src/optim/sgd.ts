import { checkOptions, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, checkRange, type ParamsInput } from './optimizer.js';

/** Options of `SGD` (PyTorch's names and defaults). */
export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  /** Added to the gradient as `weightDecay * p` (L2 regularisation). */
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, with
 * PyTorch's update rule: d = g + wd p; buf = d at the first step, then momentum * buf +
 * (1 - dampening) d; d = d + momentum * buf (Nesterov) or buf; p = p - lr d.
 *
 * @example
 * const opt = new vm.optim.SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  protected readonly slotNames = ['momentum_buffer'] as const;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: ParamsInput, options: SgdOptions) {
    super(params, options?.lr);
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    this.momentum = checkRange('SGD', 'momentum', options.momentum ?? 0, 0, 1, true);
    this.dampening = checkRange('SGD', 'dampening', options.dampening ?? 0, 0, 1, true);
    this.weightDecay = checkRange('SGD', 'weightDecay', options.weightDecay ?? 0, 0, Infinity);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      fail('OPTION', 'SGD', 'nesterov', 'momentum > 0 and dampening 0 (as PyTorch requires)', `momentum ${this.momentum}, dampening ${this.dampening}`);
    }
  }

  protected hyper(): Record<string, number | boolean> {
    return { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected update(p: Tensor, g: Tensor, slots: ReadonlyMap<string, Tensor>, t: number): { value: Tensor; slots: Map<string, Tensor> } {
    let d = this.weightDecay !== 0 ? g.add(p.mul(this.weightDecay)) : g;
    const out = new Map<string, Tensor>();
    if (this.momentum !== 0) {
      const prev = slots.get('momentum_buffer');
      const buf = prev === undefined || t === 1 ? d.mul(1) : prev.mul(this.momentum).add(this.dampening === 0 ? d : d.mul(1 - this.dampening));
      out.set('momentum_buffer', buf);
      d = this.nesterov ? d.add(buf.mul(this.momentum)) : buf;
    }
    return { value: p.sub(d.mul(this.lr)), slots: out };
  }
}
