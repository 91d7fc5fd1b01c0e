import type { Backend, BackendName } from './backend/backend.js';
import { engine, registerBackend } from './engine.js';
import { VarmatError, checkOptions, fail } from './errors.js';

/** Options of `init`. */
export interface InitOptions {
  /** Which backend new tensors go to. 'auto' takes WebGPU when an adapter exists, else WebAssembly. */
  backend?: 'auto' | BackendName;
}

/** Factories of the optional backends, registered by their modules (keeps the core import light). */
const factories = new Map<BackendName, () => Promise<Backend>>();

/** @internal Lets a backend module offer itself to `init`. */
export function registerBackendFactory(name: BackendName, factory: () => Promise<Backend>): void {
  factories.set(name, factory);
}

async function load(name: BackendName): Promise<Backend> {
  const existing = engine.backends.get(name);
  if (existing) return existing;
  const factory = factories.get(name);
  if (!factory) {
    throw new VarmatError('BACKEND', 'init', `backend '${name}' is not available in this build`);
  }
  const backend = await factory();
  registerBackend(backend);
  return backend;
}

/**
 * Chooses and initialises the backend. Asking for an unavailable backend is an error, never a
 * silent fallback. Returns the backend's description.
 *
 * @example
 * await vm.init({ backend: 'wasm' });
 */
export async function init(options: InitOptions = {}): Promise<string> {
  checkOptions('init', options, ['backend']);
  const requested = options.backend ?? 'auto';
  if (!['auto', 'reference', 'wasm', 'webgpu'].includes(requested)) {
    fail('OPTION', 'init', 'backend', "'auto', 'webgpu', 'wasm' or 'reference'", requested);
  }
  let backend: Backend;
  if (requested === 'auto') {
    backend = factories.has('webgpu')
      ? await load('webgpu').catch(() => load('wasm'))
      : await load('wasm');
  } else {
    backend = await load(requested);
  }
  engine.current = backend;
  return backend.describe();
}
