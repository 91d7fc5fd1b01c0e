import type { Backend, BackendName } from './backend/backend.js';
import { engine, registerBackend } from './engine.js';
import { VarmatError, checkOptions, fail } from './errors.js';

/** Options of `init`. */
export interface InitOptions {
  /**
   * Which backend new tensors go to. 'auto' takes WebGPU when a hardware adapter exists, else
   * WebAssembly (a software WebGPU adapter is passed over: it is far slower than WebAssembly).
   */
  backend?: 'auto' | BackendName;
}

/** Factories of the optional backends, registered by their modules (keeps the core import light). */
const factories = new Map<BackendName, () => Promise<Backend>>();

/** @internal Lets a backend module offer itself to `init`. */
export function registerBackendFactory(name: BackendName, factory: () => Promise<Backend>): void {
  factories.set(name, factory);
}

async function create(name: BackendName): Promise<Backend> {
  const existing = engine.backends.get(name);
  if (existing) return existing;
  const factory = factories.get(name);
  if (!factory) {
    throw new VarmatError('BACKEND', 'init', `backend '${name}' is not available in this build`);
  }
  return factory();
}

async function load(name: BackendName): Promise<Backend> {
  const backend = await create(name);
  registerBackend(backend);
  return backend;
}

/**
 * 'auto': WebGPU on a real adapter, else WebAssembly. A software WebGPU adapter (SwiftShader,
 * llvmpipe) is some 100x slower than the WebAssembly backend, so auto passes it over; ask for
 * 'webgpu' explicitly to use it anyway.
 */
async function loadAuto(): Promise<Backend> {
  const gpu = await create('webgpu').catch(() => null);
  if (gpu && !gpu.software) {
    registerBackend(gpu);
    return gpu;
  }
  if (gpu && !engine.backends.has('webgpu')) gpu.destroy?.();
  return load('wasm');
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
    backend = await loadAuto();
  } else {
    backend = await load(requested);
  }
  engine.current = backend;
  return backend.describe();
}
