import { VarmatError, fail } from '../errors.js';
import { noGrad } from '../autograd/grad.js';
import { keep, tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import { tensor, toBackend } from '../ops/creation.js';
import type { HostArray } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';

/** Parameters an optimizer updates: a list, or named pairs (as `module.namedParameters()` gives). */
export type ParamsInput = readonly Parameter[] | readonly (readonly [string, Parameter])[];

/**
 * An optimizer's state, as checkpoints store it: hyperparameters and per-parameter step counts
 * (JSON), and per-parameter tensors named `<slot>.<parameter name>` (e.g. `exp_avg.to_logits.1.weight`).
 */
export interface OptimizerState {
  kind: string;
  /** Hyperparameters, including the current learning rate. */
  options: Record<string, number | boolean>;
  /** Updates applied to each parameter so far (bias correction counts these, as PyTorch does). */
  steps: Record<string, number>;
  /** Slot tensors; live values for `stateDict()`, anything tensor-like for `loadStateDict()`. */
  tensors: Record<string, Tensor | HostArray>;
}

/**
 * Base class of the optimizers. An optimizer holds its parameters by name, reads `param.grad` in
 * `step()` (parameters without a gradient are skipped, as PyTorch does) and replaces each value by
 * its update. State slots (momentum, moments) live on the parameters' backend.
 */
export abstract class Optimizer {
  /** The learning rate; schedules set it between steps. */
  lr: number;
  protected readonly params: readonly (readonly [string, Parameter])[];
  protected readonly slots = new Map<string, Map<string, Tensor>>();
  protected readonly steps = new Map<string, number>();
  abstract readonly kind: string;
  /** Names of the slot tensors this optimizer keeps per parameter. */
  protected abstract readonly slotNames: readonly string[];

  protected constructor(params: ParamsInput, lr: number) {
    const op = 'Optimizer';
    if (!Array.isArray(params) || params.length === 0) fail('VALUE', op, 'params', 'a non-empty list of parameters', params);
    const named = (params as readonly unknown[]).map((p, i): readonly [string, Parameter] => {
      if (p instanceof Parameter) return [String(i), p];
      if (Array.isArray(p) && typeof p[0] === 'string' && p[1] instanceof Parameter) return [p[0], p[1]];
      return fail('VALUE', op, `params[${i}]`, 'a Parameter or a [name, Parameter] pair', p);
    });
    const seen = new Set<string>();
    for (const [n] of named) {
      if (seen.has(n)) fail('VALUE', op, 'params', 'unique names', n);
      seen.add(n);
    }
    checkLr(op, lr);
    this.params = named;
    this.lr = lr;
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    checkLr(`${this.kind}.step`, this.lr);
    for (const [name, p] of this.params) {
      const g = p.grad;
      if (g === null || !p.requiresGrad) continue;
      const t = (this.steps.get(name) ?? 0) + 1;
      const slots = this.slots.get(name) ?? new Map<string, Tensor>();
      const { value, next } = noGrad(() => tidy(() => {
        const r = this.update(p.value, g, slots, t);
        return { value: r.value, next: Object.fromEntries(r.slots) };
      }));
      p.assign(value);
      const kept = new Map<string, Tensor>();
      for (const [k, v] of Object.entries(next)) kept.set(k, keep(v));
      for (const [k, old] of slots) if (kept.get(k) !== old) old.dispose();
      this.slots.set(name, kept);
      this.steps.set(name, t);
    }
  }

  /** The new value and slot tensors of one parameter at update number `t` (1-based). */
  protected abstract update(p: Tensor, g: Tensor, slots: ReadonlyMap<string, Tensor>, t: number): { value: Tensor; slots: Map<string, Tensor> };

  /** Hyperparameters (without lr) for the state dict. */
  protected abstract hyper(): Record<string, number | boolean>;

  /**
   * The state for a checkpoint. Tensors are the live slots: read them, do not dispose them.
   *
   * @example
   * const { steps, tensors } = opt.stateDict();
   */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    for (const [name] of this.params) {
      for (const [slot, t] of this.slots.get(name) ?? []) tensors[`${slot}.${name}`] = t;
    }
    return {
      kind: this.kind,
      options: { lr: this.lr, ...this.hyper() },
      steps: Object.fromEntries(this.params.filter(([n]) => this.steps.has(n)).map(([n]) => [n, this.steps.get(n)!])),
      tensors,
    };
  }

  /**
   * Restores a state from `stateDict()` (of an optimizer of the same kind over parameters of the
   * same names and shapes). Hyperparameters must match, except the learning rate, which is taken.
   */
  loadStateDict(state: OptimizerState): void {
    const op = `${this.kind}.loadStateDict`;
    if (state.kind !== this.kind) fail('VALUE', op, 'state.kind', `'${this.kind}'`, state.kind);
    const mine = this.hyper();
    for (const [k, v] of Object.entries(mine)) {
      if (state.options[k] !== v) fail('VALUE', op, `state.options.${k}`, `${v} (this optimizer's setting)`, state.options[k]);
    }
    const byName = new Map(this.params);
    const problems: string[] = [];
    for (const n of Object.keys(state.steps)) if (!byName.has(n)) problems.push(`unknown parameter '${n}' in steps`);
    const incoming = new Map<string, Map<string, Tensor | HostArray>>();
    for (const [key, value] of Object.entries(state.tensors)) {
      const slot = this.slotNames.find((s) => key.startsWith(`${s}.`));
      const name = slot === undefined ? undefined : key.slice(slot.length + 1);
      const p = name === undefined ? undefined : byName.get(name);
      if (slot === undefined || name === undefined || p === undefined) {
        problems.push(`unexpected tensor '${key}'`);
        continue;
      }
      if (value.shape.length !== p.shape.length || value.shape.some((d, i) => d !== p.shape[i])) {
        problems.push(`'${key}' has shape [${value.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
        continue;
      }
      if (!incoming.has(name)) incoming.set(name, new Map());
      incoming.get(name)!.set(slot, value);
    }
    if (problems.length > 0) throw new VarmatError('VALUE', op, `cannot load the optimizer state: ${problems.join('; ')}`);
    this.disposeSlots();
    this.steps.clear();
    for (const [n, t] of Object.entries(state.steps)) this.steps.set(n, t);
    for (const [name, slots] of incoming) {
      const p = byName.get(name)!;
      const m = new Map<string, Tensor>();
      for (const [slot, v] of slots) m.set(slot, keep(copyLike(v, p.value)));
      this.slots.set(name, m);
    }
    if (typeof state.options.lr === 'number') this.lr = state.options.lr;
  }

  private disposeSlots(): void {
    for (const m of this.slots.values()) for (const t of m.values()) t.dispose();
    this.slots.clear();
  }

  /** Frees the optimizer's state (not the parameters). */
  dispose(): void {
    this.disposeSlots();
    this.steps.clear();
  }
}

function checkLr(op: string, lr: number): void {
  if (!(typeof lr === 'number' && lr >= 0 && Number.isFinite(lr))) fail('VALUE', op, 'lr', 'a finite number >= 0', lr);
}

/** A copy of `v` with the dtype and backend of `like`. */
function copyLike(v: Tensor | HostArray, like: Tensor): Tensor {
  const dtype = like.dtype;
  const backend = like.backend.name;
  if (!(v instanceof Tensor)) return tensor(v.data, [...v.shape], { dtype, backend });
  return tidy(() => noGrad(() => {
    const moved = v.backend.name === backend ? v.detach() : toBackend(v, backend);
    return moved.dtype === dtype ? moved.mul(1) : moved.cast(dtype);
  }));
}

/** Checks a hyperparameter in [lo, hi). */
export function checkRange(op: string, name: string, v: number, lo: number, hi: number, inclusiveHi = false): number {
  if (!(typeof v === 'number' && v >= lo && (inclusiveHi ? v <= hi : v < hi))) {
    fail('VALUE', op, name, `a number in [${lo}, ${hi}${inclusiveHi ? ']' : ')'}`, v);
  }
  return v;
}
