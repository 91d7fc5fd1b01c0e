import { checkOptions } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../ops/creation.js';
import { wrap } from '../ops/op.js';
import { Optimizer, checkRange, type ParamsInput } from './optimizer.js';

/** Options of `Adam` and `AdamW` (PyTorch's names and defaults, except where noted). */
export interface AdamOptions {
  /** Learning rate (default 1e-3; the paper uses 8e-4). */
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** Adam: added to the gradient (coupled, L2). AdamW: decoupled decay of the weights. */
  weightDecay?: number;
}

/**
 * Adam with PyTorch's update rule, including its *coupled* weight decay (g = g + wd p), which the
 * paper's training uses (lr 8e-4, weight decay 1e-3):
 * m = m + (1 - b1)(g - m); v = b2 v + (1 - b2) g^2;
 * p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 *
 * @example
 * const opt = new vm.optim.Adam(model.namedParameters(), { lr: 8e-4, weightDecay: 1e-3 });
 */
export class Adam extends Optimizer {
  readonly kind: string = 'adam';
  protected readonly slotNames = ['exp_avg', 'exp_avg_sq'] as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** True for AdamW: decay applied to the weights, not added to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, options.lr ?? 1e-3);
    checkOptions(new.target.name, options, ['lr', 'betas', 'eps', 'weightDecay']);
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.beta1 = checkRange(new.target.name, 'betas[0]', b1, 0, 1);
    this.beta2 = checkRange(new.target.name, 'betas[1]', b2, 0, 1);
    this.eps = checkRange(new.target.name, 'eps', options.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkRange(new.target.name, 'weightDecay', options.weightDecay ?? this.defaultDecay(), 0, Infinity);
  }

  protected defaultDecay(): number {
    return 0;
  }

  protected hyper(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected update(p: Tensor, g: Tensor, slots: ReadonlyMap<string, Tensor>, t: number): { value: Tensor; slots: Map<string, Tensor> } {
    // One fused kernel per parameter (Backend.adamStep: PyTorch's order of operations).
    const m0 = slots.get('exp_avg') ?? zerosLike(p);
    const v0 = slots.get('exp_avg_sq') ?? zerosLike(p);
    const b = p.backend;
    const r = b.adamStep(p.storage.handle, g.storage.handle, m0.storage.handle, v0.storage.handle, {
      lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled, t,
    });
    return {
      value: wrap(b, r.param, p.shape),
      slots: new Map([['exp_avg', wrap(b, r.m, p.shape)], ['exp_avg_sq', wrap(b, r.v, p.shape)]]),
    };
  }
}

/**
 * AdamW (Loshchilov and Hutter): Adam with *decoupled* weight decay, p = p (1 - lr wd) before the
 * Adam step, with PyTorch's default weight decay 1e-2.
 *
 * @example
 * const opt = new vm.optim.AdamW(model.namedParameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Adam {
  override readonly kind: string = 'adamw';
  protected override readonly decoupled: boolean = true;

  protected override defaultDecay(): number {
    return 1e-2;
  }
}
