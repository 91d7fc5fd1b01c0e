/**
 * The working state of one attack call: the clean values, labels, per-sample radii and the
 * geometry of the threat model (projection onto each modality's ball and value range, the
 * steepest-ascent direction of the norm, random starts), all in public ops so that every backend
 * runs the same arithmetic.
 */

import { grad, noGrad } from '../autograd/grad.js';
import { VarmatError, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Rng } from '../random.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { full, rand, randn, zerosLike } from '../ops/creation.js';
import { add, cast, clip, div, eq, gt, maximum, minimum, mul, ne, neg, sign, sub, where } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { rowNorms } from '../ops/norms.js';
import { argmax, mean, sum } from '../ops/reduce.js';
import type { AttackModel } from './attack-model.js';
import type { LossFn } from './losses.js';
import type { ThreatModel } from './threat-model.js';

/** Per-modality tensors (deltas, gradients, values). */
export type Modal = Record<string, Tensor>;

/** The denominator guard of the L2 projection and of gradient normalisation (as the authors' code). */
export const NORM_EPS = 1e-8;

/** Loss, logits and gradients at one point, all without history. */
export interface LossGrad {
  /** Per-sample loss [B]. */
  loss: Tensor;
  logits: Tensor;
  /** Gradient of the (mean or summed) loss with respect to each attacked modality. */
  grad: Modal;
}

/**
 * One attack call's context. Created by `Attack.perturb`; attacks use its helpers and never mutate
 * the clean values. Subclasses of `Attack` implement `search(ctx, rng, noise)` with it.
 *
 * @example
 * class OneStep extends vm.attacks.Attack {
 *   // ...
 *   protected search(ctx: vm.attacks.AttackContext): vm.attacks.Modal {
 *     const start = ctx.zeros();
 *     return ctx.ascend(start, ctx.lossAndGrad(start).grad, 1);
 *   }
 * }
 */
export class AttackContext {
  /** The model's modalities, in its order. */
  readonly modalities: readonly string[];
  /** The attacked modalities (selected and with a non-zero budget), in the model's order. */
  readonly names: readonly string[];
  readonly batch: number;
  /** Clean values: views without history of the caller's tensors. */
  readonly values: Readonly<Modal>;
  readonly labels: Tensor;
  /** Per-sample radius of each attacked modality, shaped [B, 1, ..., 1] to broadcast. */
  readonly radius: Readonly<Modal>;

  constructor(
    readonly op: string,
    readonly model: AttackModel,
    readonly threat: ThreatModel,
    values: Readonly<Modal>,
    labels: Tensor,
    readonly lossFn: LossFn,
    readonly reduction: 'mean' | 'sum',
  ) {
    const modalities = model.modalities;
    if (!Array.isArray(modalities) || modalities.length === 0) fail('VALUE', op, 'model', 'a model with a non-empty modalities list', model);
    if (!(labels instanceof Tensor)) fail('VALUE', op, 'labels', 'an int32 tensor [B]', labels);
    if (labels.dtype !== 'int32' || labels.rank !== 1) fail('DTYPE', op, 'labels', 'an int32 tensor [B]', `${labels.dtype} ${JSON.stringify(labels.shape)}`);
    const batch = labels.shape[0];
    for (const m of modalities) {
      const v = values[m];
      if (!(v instanceof Tensor)) fail('VALUE', op, `values.${m}`, `a tensor for every modality of the model (${modalities.join(', ')})`, v);
      if (v.dtype !== 'float32' && v.dtype !== 'float64') fail('DTYPE', op, `values.${m}`, 'a float tensor', v.dtype);
      if (v.rank < 1 || v.shape[0] !== batch) fail('SHAPE', op, `values.${m}`, `a tensor with ${batch} rows (one per label)`, v.shape);
    }
    const chosen = threat.attacked(op, modalities);
    const k = modalities.length;
    const names = chosen.filter((m) => threat.budget(m, k) > 0);
    this.modalities = modalities;
    this.names = names;
    this.batch = batch;
    this.labels = labels;
    const own: Modal = {};
    for (const m of modalities) own[m] = values[m].detach();
    this.values = own;
    const radius: Modal = {};
    for (const m of names) {
      const v = own[m];
      const factor = threat.budget(m, k);
      radius[m] = tidy(() => {
        const col = columnShape(v);
        if (!threat.relative) return full(col, factor, { dtype: v.dtype, backend: v.backend.name });
        return reshape(mul(rowNorms(v, threat.norm === 'l2' ? 2 : Infinity), factor), col);
      });
    }
    this.radius = radius;
  }

  /**
   * The same context with another loss (an ensemble's members keep their own losses); it shares
   * the values and radii and frees nothing.
   */
  withLoss(lossFn: LossFn, reduction: 'mean' | 'sum'): AttackContext {
    const c = Object.create(this) as AttackContext;
    Object.defineProperties(c, {
      lossFn: { value: lossFn },
      reduction: { value: reduction },
      dispose: { value: () => undefined },
    });
    return c;
  }

  /** Frees what the context owns (views and radii), not the caller's tensors. */
  dispose(): void {
    for (const t of Object.values(this.values)) t.dispose();
    for (const t of Object.values(this.radius)) t.dispose();
  }

  /** `t` [B] reshaped to broadcast against modality `name`'s values. */
  column(t: Tensor, name: string): Tensor {
    return reshape(t, columnShape(this.values[name]));
  }

  /** Zero perturbations for the attacked modalities. */
  zeros(): Modal {
    return Object.fromEntries(this.names.map((m) => [m, zerosLike(this.values[m])]));
  }

  /** The values at clean + delta: attacked modalities moved, the others as they are. */
  pointAt(delta: Readonly<Modal>): Modal {
    const out: Modal = {};
    for (const m of this.modalities) out[m] = delta[m] ? add(this.values[m], delta[m]) : this.values[m];
    return out;
  }

  /** The model's logits at clean + delta (recorded on the tape if delta requires grad). */
  logitsAt(delta: Readonly<Modal>): Tensor {
    return tidy(() => forwardIn(this.model, this.threat.space, this.pointAt(delta)));
  }

  /** Per-sample loss and logits at clean + delta, without gradients. */
  score(delta: Readonly<Modal>): { loss: Tensor; logits: Tensor } {
    return noGrad(() => tidy(() => {
      const logits = this.logitsAt(delta);
      return { loss: this.lossFn(logits, this.labels), logits };
    }));
  }

  /**
   * Per-sample loss, logits and the gradient of the batch loss (mean or sum over samples, as
   * `reduction`) with respect to each attacked modality, at clean + delta.
   */
  lossAndGrad(delta: Readonly<Modal>): LossGrad {
    return tidy(() => {
      const leaves = this.names.map((m) => delta[m].detach().requiresGrad_());
      const at: Modal = Object.fromEntries(this.names.map((m, i) => [m, leaves[i]]));
      const logits = this.logitsAt(at);
      const per = this.lossFn(logits, this.labels);
      if (!sameShape(per.shape, [this.batch])) {
        throw new VarmatError('SHAPE', this.op, `argument 'loss' expected a function returning one loss per sample [${this.batch}], received shape [${per.shape.join(', ')}]`);
      }
      const total = this.reduction === 'mean' ? mean(per) : sum(per);
      const grads = grad([total], leaves, { allowUnused: true });
      const g: Modal = {};
      this.names.forEach((m, i) => { g[m] = grads[i] ?? zerosLike(this.values[m]); });
      return { loss: per.detach(), logits: logits.detach(), grad: g };
    });
  }

  /** 1 where the prediction of `logits` differs from the label, else 0, as [B] in the values' float type. */
  fooled(logits: Tensor): Tensor {
    return tidy(() => {
      const dtype = logits.dtype === 'float64' ? 'float64' : 'float32';
      return ne(cast(argmax(logits, -1), dtype), cast(this.labels, dtype));
    });
  }

  /** Projects each perturbation onto its modality's ball (L2: radial, L-inf: box). */
  ball(delta: Readonly<Modal>): Modal {
    return tidy(() => {
      const out: Modal = {};
      for (const m of this.names) {
        const d = delta[m];
        const r = this.radius[m];
        if (this.threat.norm === 'l2') {
          // Proj_r(d) = d * min(1, r / (||d|| + 1e-8)), per sample (VARMAT.md 2).
          out[m] = mul(d, minimum(div(r, add(this.column(rowNorms(d, 2), m), NORM_EPS)), 1));
        } else {
          out[m] = minimum(maximum(d, neg(r)), r);
        }
      }
      return out;
    });
  }

  /** Clips clean + delta into each input modality's valid range (input space; a no-op otherwise). */
  clipRange(delta: Readonly<Modal>): Modal {
    return tidy(() => {
      const out: Modal = {};
      for (const m of this.names) {
        const [lo, hi] = this.threat.space === 'input' ? this.threat.range(m) : [-Infinity, Infinity];
        out[m] = lo === -Infinity && hi === Infinity ? delta[m].detach() : sub(clip(add(this.values[m], delta[m]), lo, hi), this.values[m]);
      }
      return out;
    });
  }

  /** Ball, then value range. */
  project(delta: Readonly<Modal>): Modal {
    return tidy(() => this.clipRange(this.ball(delta)));
  }

  /** The steepest-ascent direction of the norm: g / (||g|| + 1e-8) for L2, sign(g) for L-inf. */
  direction(g: Readonly<Modal>): Modal {
    return tidy(() => {
      const out: Modal = {};
      for (const m of this.names) {
        out[m] = this.threat.norm === 'l2' ? div(g[m], add(this.column(rowNorms(g[m], 2), m), NORM_EPS)) : sign(g[m]);
      }
      return out;
    });
  }

  /**
   * One ascent step: Proj(delta + size * r * direction(dir)). `size` is in units of each sample's
   * radius: a number, or a per-sample tensor [B]. `dir` is a gradient (normalised here) unless
   * `normalized` says it already is a direction.
   */
  ascend(delta: Readonly<Modal>, dir: Readonly<Modal>, size: number | Tensor, normalized = false): Modal {
    return tidy(() => {
      const d = normalized ? dir : this.direction(dir);
      const moved: Modal = {};
      for (const m of this.names) {
        const step = typeof size === 'number' ? mul(this.radius[m], size) : mul(this.radius[m], this.column(size, m));
        moved[m] = add(delta[m], mul(d[m], step));
      }
      return this.project(moved);
    });
  }

  /**
   * A random start: on the sphere of radius r for L2 (Proj_r(n * r), n ~ N(0, I), as the authors'
   * code), uniform in the box for L-inf; then clipped into the value range. `noise` replaces the
   * generator's draws (standard normal for L2, uniform in [-1, 1) for L-inf).
   */
  randomStart(rng: Rng, noise?: Readonly<Modal>): Modal {
    return tidy(() => {
      const raw: Modal = {};
      for (const m of this.names) {
        const v = this.values[m];
        let n = noise?.[m];
        if (n !== undefined) {
          if (!(n instanceof Tensor) || !sameShape(n.shape, v.shape)) fail('SHAPE', this.op, `noise.${m}`, `a tensor of shape [${v.shape.join(', ')}]`, n);
          if (n.dtype !== v.dtype) n = cast(n, v.dtype);
        } else {
          const place = { rng, dtype: v.dtype, backend: v.backend.name };
          n = this.threat.norm === 'l2' ? randn(v.shape, place) : rand(v.shape, { ...place, low: -1, high: 1 });
        }
        raw[m] = mul(n, this.radius[m]);
      }
      return this.project(raw);
    });
  }

  /** Per sample: 1 where a candidate (fooled, loss) beats the best so far (fooled first, then higher loss). */
  better(fooled: Tensor, loss: Tensor, bestFooled: Tensor, bestLoss: Tensor): Tensor {
    return tidy(() => maximum(gt(fooled, bestFooled), mul(eq(fooled, bestFooled), gt(loss, bestLoss))));
  }

  /** Per sample, `a` where mask [B] is 1, else `b` (both [B]). */
  select1(mask: Tensor, a: Tensor, b: Tensor): Tensor {
    return where(mask, a, b);
  }

  /** Per modality, `a` where mask [B] is 1, else `b`. */
  select(mask: Tensor, a: Readonly<Modal>, b: Readonly<Modal>): Modal {
    return tidy(() => Object.fromEntries(this.names.map((m) => [m, where(this.column(mask, m), a[m], b[m])])));
  }
}

/** @internal [B, 1, ..., 1] for a tensor of rank r. */
export function columnShape(v: Tensor): number[] {
  return [v.shape[0], ...v.shape.slice(1).map(() => 1)];
}

/** @internal The logits of `model` for values in `space`: fuse(values) for latents, fuse(encode(values)) for inputs. */
export function forwardIn(model: AttackModel, space: 'input' | 'latent', values: Readonly<Modal>): Tensor {
  return tidy(() => (space === 'latent' ? model.fuse(values) : model.fuse(model.encode(values))));
}
