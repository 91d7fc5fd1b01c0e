import { fail } from '../errors.js';
import { dispose, tidy } from '../memory.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { add, div, ge, gt, le, maximum, mul, sub, where } from '../ops/elementwise.js';
import { fullLike } from '../ops/creation.js';
import { Attack, intOption, numberOption, type AttackOptions } from './attack.js';
import type { AttackContext, Modal } from './attack-context.js';
import { keepBest } from './pgd.js';

/** Options of `apgd`. */
export interface ApgdOptions extends AttackOptions {
  /** Iterations (default 100, as AutoAttack). */
  steps?: number;
  /** Independent runs from fresh random starts; the best per sample is kept (default 1). */
  restarts?: number;
  /** Fraction of successful steps below which the step size is halved at a checkpoint (default 0.75). */
  rho?: number;
  /** Momentum weight alpha of the update (default 0.75). */
  momentum?: number;
  /** Initial step size in units of each sample's radius (default 2, AutoAttack's 2 eps). */
  initialStepSize?: number;
}

/**
 * Auto-PGD (Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML 2020): PGD with momentum whose per-sample step size starts
 * at 2 eps and halves at checkpoints (after 22%, then intervals shrinking by 3% down to 6% of the
 * iterations) when fewer than rho of the steps since the last checkpoint raised the loss, or when the
 * step size was not reduced at the last checkpoint and the best loss has not improved since; a
 * halving also restarts from the best point. It returns, per sample, the last misclassifying point
 * found, else the point of highest loss. With `loss: 'dlr'` it is APGD-DLR (needs 3+ classes).
 * Every per-sample decision is made on the device (no read-back).
 *
 * @example
 * const adv = new Apgd({ eps: 0.2, steps: 100, loss: 'dlr', seed: 0 }).run(model, { inputs, labels });
 */
export class Apgd extends Attack<ApgdOptions> {
  readonly steps: number;
  readonly restarts: number;
  readonly rho: number;
  readonly momentum: number;
  readonly initialStepSize: number;

  constructor(options: ApgdOptions) {
    super(options.loss === 'dlr' ? 'apgd-dlr' : options.loss === undefined || options.loss === 'ce' ? 'apgd-ce' : 'apgd', options, ['steps', 'restarts', 'rho', 'momentum', 'initialStepSize']);
    this.steps = intOption(this.name, 'steps', options.steps, 100, 1);
    this.restarts = intOption(this.name, 'restarts', options.restarts, 1, 1);
    this.rho = numberOption(this.name, 'rho', options.rho, 0.75);
    if (this.rho > 1) fail('OPTION', this.name, 'rho', 'a number in [0, 1]', this.rho);
    this.momentum = numberOption(this.name, 'momentum', options.momentum, 0.75);
    if (this.momentum > 1) fail('OPTION', this.name, 'momentum', 'a number in [0, 1]', this.momentum);
    this.initialStepSize = numberOption(this.name, 'initialStepSize', options.initialStepSize, 2);
  }

  get gradientSteps(): number {
    return (this.steps + 1) * this.restarts;
  }

  with(changes: Partial<ApgdOptions>): Apgd {
    return new Apgd(this.merged(changes));
  }

  /** The iterations (0-based, after which the check runs) of the step-size checkpoints. */
  checkpoints(): number[] {
    const n = this.steps;
    const out: number[] = [];
    let k = Math.max(Math.floor(0.22 * n), 1);
    const decrease = Math.max(Math.floor(0.03 * n), 1);
    const minimum = Math.max(Math.floor(0.06 * n), 1);
    let at = k;
    while (at <= n) {
      out.push(at - 1);
      k = Math.max(k - decrease, minimum);
      at += k;
    }
    return out;
  }

  protected search(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    let best: { delta: Modal; fooled: Tensor; loss: Tensor } | null = null;
    for (let run = 0; run < this.restarts; run++) {
      const delta = this.once(ctx, rng, run === 0 ? noise : undefined);
      if (this.restarts === 1) return delta;
      best = keepBest(ctx, best, delta);
    }
    return best!.delta;
  }

  private once(ctx: AttackContext, rng: Rng, noise: Readonly<Modal> | undefined): Modal {
    const start = ctx.randomStart(rng, noise);
    const first = ctx.lossAndGrad(start);
    const fooled0 = ctx.fooled(first.logits);
    first.logits.dispose();
    // Loop state; every tensor below is replaced (and the old one freed) each iteration.
    let s: State = {
      x: start,
      prev: tidy(() => Object.fromEntries(ctx.names.map((m) => [m, start[m].detach()]))),
      grad: first.grad,
      best: tidy(() => Object.fromEntries(ctx.names.map((m) => [m, start[m].detach()]))),
      gradBest: tidy(() => Object.fromEntries(ctx.names.map((m) => [m, first.grad[m].detach()]))),
      adv: tidy(() => Object.fromEntries(ctx.names.map((m) => [m, start[m].detach()]))),
      fooled: fooled0,
      eta: fullLike(first.loss, this.initialStepSize),
      lossBest: first.loss.detach(),
      lossPrev: first.loss,
      increases: fullLike(first.loss, 0),
      lossBestAtCheck: fullLike(first.loss, 0),
      reducedAtCheck: fullLike(first.loss, 1),
    };
    s.lossBestAtCheck.dispose();
    s.lossBestAtCheck = s.lossBest.detach();
    const checks = new Set(this.checkpoints());
    let since = Math.max(Math.floor(0.22 * this.steps), 1);
    const decrease = Math.max(Math.floor(0.03 * this.steps), 1);
    const minimum = Math.max(Math.floor(0.06 * this.steps), 1);
    for (let i = 0; i < this.steps; i++) {
      const a = i === 0 ? 1 : this.momentum;
      const check = checks.has(i);
      const window = since;
      const old = s;
      s = tidy(() => {
        // z = P(x + eta g~); x' = P(x + a (z - x) + (1 - a) (x - x_prev)).
        const z = ctx.ascend(old.x, old.grad, old.eta);
        const mixed: Modal = {};
        for (const m of ctx.names) {
          mixed[m] = add(add(old.x[m], mul(sub(z[m], old.x[m]), a)), mul(sub(old.x[m], old.prev[m]), 1 - a));
        }
        const x = ctx.project(mixed);
        const { loss, logits, grad } = ctx.lossAndGrad(x);
        const fooledNow = ctx.fooled(logits);
        const adv = ctx.select(fooledNow, x, old.adv);
        const fooled = maximum(old.fooled, fooledNow);
        const improved = gt(loss, old.lossBest);
        const best = ctx.select(improved, x, old.best);
        const gradBest = ctx.select(improved, grad, old.gradBest);
        const lossBest = where(improved, loss, old.lossBest);
        let increases = add(old.increases, gt(loss, old.lossPrev));
        let next: Modal = x;
        let nextGrad: Modal = grad;
        let eta = old.eta;
        let lossBestAtCheck = old.lossBestAtCheck;
        let reducedAtCheck = old.reducedAtCheck;
        if (check) {
          // Condition 1: at most rho of the steps since the last checkpoint raised the loss.
          const oscillating = le(increases, window * this.rho);
          // Condition 2: no reduction at the last checkpoint and no improvement of the best loss since.
          const stalled = mul(sub(1, old.reducedAtCheck), ge(old.lossBestAtCheck, lossBest));
          const reduce = maximum(oscillating, stalled);
          eta = where(reduce, div(old.eta, 2), old.eta);
          next = ctx.select(reduce, best, x);
          nextGrad = ctx.select(reduce, gradBest, grad);
          lossBestAtCheck = lossBest.detach();
          reducedAtCheck = reduce;
          increases = fullLike(increases, 0);
        } else {
          eta = old.eta.detach();
          lossBestAtCheck = old.lossBestAtCheck.detach();
          reducedAtCheck = old.reducedAtCheck.detach();
        }
        return {
          x: next, prev: Object.fromEntries(ctx.names.map((m) => [m, old.x[m].detach()])), grad: nextGrad, best, gradBest, adv,
          fooled, eta, lossBest, lossPrev: loss, increases, lossBestAtCheck, reducedAtCheck,
        };
      });
      disposeState(old);
      if (check) {
        since = Math.max(since - decrease, minimum);
      }
    }
    const out = tidy(() => ctx.select(s.fooled, s.adv, s.best));
    disposeState(s);
    return out;
  }

  protected override describeOptions(): Record<string, number | string | boolean> {
    return { steps: this.steps, restarts: this.restarts, rho: this.rho, momentum: this.momentum, initialStepSize: this.initialStepSize };
  }
}

interface State {
  x: Modal;
  prev: Modal;
  grad: Modal;
  best: Modal;
  gradBest: Modal;
  adv: Modal;
  fooled: Tensor;
  eta: Tensor;
  lossBest: Tensor;
  lossPrev: Tensor;
  increases: Tensor;
  lossBestAtCheck: Tensor;
  reducedAtCheck: Tensor;
}

function disposeState(s: State): void {
  dispose([s.x, s.prev, s.grad, s.best, s.gradBest, s.adv, s.fooled, s.eta, s.lossBest, s.lossPrev, s.increases, s.lossBestAtCheck, s.reducedAtCheck]);
}

/**
 * APGD, the parameter-free evaluation attack of AutoAttack, with the cross-entropy ('ce', default)
 * or DLR loss. Use both (`worstCase([apgd({...}), apgd({ ..., loss: 'dlr' })])`) so that a
 * robustness claim does not rest on one loss.
 *
 * @example
 * const atk = vm.attacks.apgd({ space: 'latent', eps: 0.2, steps: 100, loss: 'dlr', seed: 0 });
 */
export function apgd(options: ApgdOptions): Apgd {
  return new Apgd(options);
}
