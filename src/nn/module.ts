import type { BackendName } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { VarmatError, fail } from '../errors.js';
import { noGrad } from '../autograd/grad.js';
import { tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import { tensor, toBackend } from '../ops/creation.js';
import { Parameter } from './parameter.js';

/** Values a state dict may hold: tensors, or plain arrays with a shape (what checkpoint readers return). */
export interface HostArray {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true). Mis-shaped keys are always refused. */
  strict?: boolean;
}

/** What `Module.loadStateDict` did. */
export interface LoadStateDictResult {
  /** Parameters of the module that the dict did not have (only with `strict: false`). */
  missing: string[];
  /** Keys of the dict that name no parameter (only with `strict: false`). */
  unexpected: string[];
}

/** Where and in what precision a module's parameters live. */
export interface PlacementOptions {
  dtype?: 'float32' | 'float64';
  backend?: BackendName;
}

/**
 * Base class of every layer and model: named parameters and submodules, train/eval mode, and state
 * dicts with PyTorch-style dotted names (`layers.0.0.fn.to_q.weight`), so that weights move between
 * varmat and PyTorch by name.
 *
 * @example
 * class Affine extends vm.nn.Module {
 *   readonly scale = this.registerParameter('scale', vm.ones([3]));
 *   forward(x: vm.Tensor) { return x.mul(this.scale.value); }
 * }
 * new Affine().stateDict();   // { scale: Tensor [3] }
 */
export class Module {
  /** True in training mode (dropout active), false in evaluation mode. */
  training = true;
  private readonly ownParams = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();
  private readonly aliases = new Map<string, string>();

  /**
   * Registers a trainable tensor under `name` (no dots) and returns its `Parameter`. The module
   * takes ownership of `value`.
   */
  registerParameter(name: string, value: Tensor | Parameter): Parameter {
    this.checkName(name);
    const p = value instanceof Parameter ? value : new Parameter(value);
    this.ownParams.set(name, p);
    return p;
  }

  /** Registers a submodule under `name` (no dots) and returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    if (!(module instanceof Module)) fail('VALUE', 'Module.registerModule', 'module', 'a Module', module);
    this.children.set(name, module);
    return module;
  }

  /**
   * Declares that state-dict keys starting with `alias.` name the same tensors as those starting
   * with `target.` (a module registered twice, as PyTorch allows). `loadStateDict` accepts either
   * spelling and checks that both agree when both are given.
   */
  registerAlias(alias: string, target: string): void {
    this.aliases.set(alias, target);
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
      fail('VALUE', 'Module.register', 'name', 'a non-empty name without dots', name);
    }
    if (this.ownParams.has(name) || this.children.has(name)) {
      fail('VALUE', 'Module.register', 'name', 'a name not registered yet', name);
    }
  }

  /** The direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and all submodules, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /**
   * Every parameter with its dotted name, own parameters first, then each submodule's, in
   * registration order. A parameter registered twice is listed once, under its first name.
   *
   * @example
   * model.namedParameters().map(([name, p]) => `${name} ${p.shape}`);
   */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParams) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Every parameter, once each, in `namedParameters` order. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Number of trainable scalars (each shared parameter counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * The parameters by dotted name. The tensors are the live values (not copies): read them, do not
   * dispose them.
   *
   * @example
   * const sd = model.stateDict();
   * sd['to_logits.1.weight'].shape;   // [10, 128]
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = p.value;
    return out;
  }

  /** Resolves aliased keys (`to_logitslist.0.x` -> `to_logits.x`), at any depth. */
  private canonicalName(key: string): string {
    for (const [prefix, m] of this.namedModules()) {
      const base = prefix ? `${prefix}.` : '';
      if (!key.startsWith(base)) continue;
      for (const [alias, target] of m.aliases) {
        if (key.startsWith(`${base}${alias}.`)) return `${base}${target}.${key.slice(base.length + alias.length + 1)}`;
      }
    }
    return key;
  }

  /**
   * Copies values into the parameters by dotted name, converting each to the parameter's dtype
   * and backend. Missing, unexpected and mis-shaped keys are refused with one error that lists them
   * all (missing and unexpected ones are only reported with `strict: false`).
   *
   * @example
   * model.loadStateDict(readSafetensors(bytes).tensors);
   */
  loadStateDict(state: Readonly<Record<string, Tensor | HostArray>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const op = 'Module.loadStateDict';
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    const chosen = new Map<string, { key: string; value: Tensor | HostArray }>();
    const unexpected: string[] = [];
    const problems: string[] = [];
    for (const key of Object.keys(state)) {
      const canonical = this.canonicalName(key);
      if (!params.has(canonical)) {
        unexpected.push(key);
        continue;
      }
      const prev = chosen.get(canonical);
      if (prev && !sameValues(prev.value, state[key])) {
        problems.push(`'${key}' and '${prev.key}' name the same parameter but hold different values`);
      }
      if (!prev) chosen.set(canonical, { key, value: state[key] });
    }
    const missing = [...params.keys()].filter((n) => !chosen.has(n));
    for (const [name, { key, value }] of chosen) {
      const p = params.get(name)!;
      const shape = shapeOf(value);
      if (shape === null) problems.push(`'${key}' is neither a tensor nor {shape, data}`);
      else if (!(value instanceof Tensor) && !(value.data instanceof Float32Array || value.data instanceof Float64Array || value.data instanceof Int32Array)) {
        problems.push(`'${key}' holds ${(value.data as object).constructor.name} values; expected Float32Array, Float64Array or Int32Array`);
      }
      else if (!sameShape(shape, p.shape)) problems.push(`'${key}' has shape [${shape.join(', ')}], expected [${p.shape.join(', ')}]`);
    }
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    if (problems.length > 0) throw new VarmatError('VALUE', op, `cannot load the state dict: ${problems.join('; ')}`);
    for (const [name, { value }] of chosen) {
      const p = params.get(name)!;
      p.replace(convert(value, p.value.dtype as 'float32' | 'float64', p.value.backend.name));
    }
    return { missing, unexpected };
  }

  /**
   * Moves every parameter to another dtype and/or backend (float64 on 'reference' for exact checks).
   *
   * @example
   * model.to({ dtype: 'float64', backend: 'reference' });
   */
  to(options: PlacementOptions): this {
    for (const p of this.parameters()) {
      const dtype = options.dtype ?? (p.value.dtype as 'float32' | 'float64');
      const backend = options.backend ?? p.value.backend.name;
      if (dtype === p.value.dtype && backend === p.value.backend.name) continue;
      p.replace(convert(p.value, dtype, backend));
    }
    return this;
  }

  /** Frees every parameter (and gradient) of this module and its submodules. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function shapeOf(v: Tensor | HostArray): readonly number[] | null {
  if (v instanceof Tensor) return v.shape;
  if (v && Array.isArray(v.shape) && ArrayBuffer.isView(v.data)) return v.shape;
  return null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function valuesOf(v: Tensor | HostArray): ArrayLike<number> {
  return v instanceof Tensor ? v.dataSync() : v.data;
}

function sameValues(a: Tensor | HostArray, b: Tensor | HostArray): boolean {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (!sa || !sb || !sameShape(sa, sb)) return false;
  const va = valuesOf(a);
  const vb = valuesOf(b);
  for (let i = 0; i < va.length; i++) if (!Object.is(va[i], vb[i])) return false;
  return true;
}

/** A fresh tensor holding `v` in `dtype` on `backend`. */
function convert(v: Tensor | HostArray, dtype: DType, backend: BackendName): Tensor {
  if (!(v instanceof Tensor)) return tensor(v.data, [...v.shape], { dtype, backend });
  return tidy(() => noGrad(() => {
    const moved = v.backend.name === backend ? v.detach() : toBackend(v, backend);
    return moved.dtype === dtype ? moved.mul(1) : moved.cast(dtype);
  }));
}
