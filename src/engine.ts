import type { Backend, BackendName } from './backend/backend.js';
import { ReferenceBackend } from './backend/reference/reference-backend.js';
import { VarmatError, fail } from './errors.js';
import type { Tensor } from './tensor.js';
import { instrumentBackend, profiling } from './profile.js';

/**
 * Global state: the registered backends, the current one, the tidy scopes and the grad mode.
 * One instance per process (per worker in browsers).
 */
class Engine {
  readonly backends = new Map<BackendName, Backend>();
  current: Backend;
  /** Tensors created in each open `tidy` scope, innermost last. */
  readonly scopes: Set<Tensor>[] = [];
  /** False inside `noGrad`: ops then record nothing. */
  gradEnabled = true;
  /** True while `grad()` runs gradient functions: they may read tensors the user has disposed. */
  inBackward = false;
  /** Live tensor objects per backend (not yet freed). */
  readonly liveTensors = new Map<BackendName, number>();
  nextId = 0;

  constructor() {
    this.current = new ReferenceBackend();
    this.backends.set('reference', this.current);
    if (profiling.on) instrumentBackend(this.current);
  }

  backend(name: BackendName): Backend {
    const b = this.backends.get(name);
    if (!b) {
      throw new VarmatError(
        'BACKEND', 'backend',
        `backend '${name}' is not initialised; call await init({ backend: '${name}' }) first (initialised: ${[...this.backends.keys()].join(', ')})`,
      );
    }
    return b;
  }

  track(t: Tensor): void {
    this.scopes[this.scopes.length - 1]?.add(t);
    const name = t.backend.name;
    this.liveTensors.set(name, (this.liveTensors.get(name) ?? 0) + 1);
  }

  untrack(t: Tensor): void {
    const name = t.backend.name;
    this.liveTensors.set(name, (this.liveTensors.get(name) ?? 0) - 1);
  }
}

export const engine = new Engine();

/** Registers a constructed backend (used by `init` and by tests that build backends directly). */
export function registerBackend(backend: Backend): void {
  if (profiling.on) instrumentBackend(backend);
  engine.backends.set(backend.name, backend);
}

/** Makes a registered backend the one new tensors are created on. */
export function setBackend(name: BackendName): void {
  engine.current = engine.backend(name);
}

/** The backend new tensors are created on. */
export function getBackend(): Backend {
  return engine.current;
}

/**
 * Runs `fn` with `name` as the current backend, then restores the previous one.
 *
 * @example
 * const r = withBackend('reference', () => vm.tensor([1, 2]).exp());
 */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const prev = engine.current;
  engine.current = engine.backend(name);
  try {
    return fn();
  } finally {
    engine.current = prev;
  }
}

/** Live tensors and bytes per backend. Tests check it returns to its start value (no leaks). */
export interface MemoryInfo {
  /** Live tensors on all backends. */
  tensors: number;
  /** Per backend: live tensors and bytes of storage. */
  backends: Record<string, { tensors: number; bytes: number }>;
}

/**
 * Reports live tensors and bytes per backend.
 *
 * @example
 * const before = vm.memory();
 * vm.tidy(() => vm.ones([3]).add(1));
 * vm.memory().tensors === before.tensors; // true
 */
export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  let tensors = 0;
  for (const [name, b] of engine.backends) {
    const n = engine.liveTensors.get(name) ?? 0;
    tensors += n;
    backends[name] = { tensors: n, bytes: b.bytesInUse() };
  }
  return { tensors, backends };
}

/** Checks that a backend name is known. */
export function checkBackendName(op: string, name: unknown): BackendName {
  if (name !== 'reference' && name !== 'wasm' && name !== 'webgpu') {
    fail('OPTION', op, 'backend', "'auto', 'webgpu', 'wasm' or 'reference'", name);
  }
  return name;
}
