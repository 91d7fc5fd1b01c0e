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
  /**
   * Threads of the WebAssembly backend (default 1, or the VARMAT_WASM_THREADS environment variable):
   * its kernels are split over worker threads sharing its memory where the platform allows
   * (`describe()` says why not otherwise). Set when the backend is first created; two threads pay
   * only when two cores are free.
   */
  threads?: number;
}

/** What `init` passes to a backend factory. */
export interface BackendFactoryOptions {
  threads?: number;
}

/** Factories of the optional backends, registered by their modules (keeps the core import light). */
const factories = new Map<BackendName, (options: BackendFactoryOptions) => Promise<Backend>>();
/** The thread count each created backend was asked for, if any (to refuse a different one later). */
const askedThreads = new Map<BackendName, number | undefined>();

/** @internal Lets a backend module offer itself to `init`. */
export function registerBackendFactory(name: BackendName, factory: (options: BackendFactoryOptions) => Promise<Backend>): void {
  factories.set(name, factory);
}

async function create(name: BackendName, options: BackendFactoryOptions = {}): Promise<Backend> {
  const existing = engine.backends.get(name);
  if (existing) {
    const current = askedThreads.get(name) ?? (existing as { threads?: number }).threads ?? 1;
    if (options.threads !== undefined && options.threads !== current) {
      fail('OPTION', 'init', 'threads', `${current} (the ${name} backend is already running; threads are set when it is first created)`, options.threads);
    }
    return existing;
  }
  const factory = factories.get(name);
  if (!factory) {
    throw new VarmatError('BACKEND', 'init', `backend '${name}' is not available in this build`);
  }
  const backend = await factory(options);
  askedThreads.set(name, options.threads);
  return backend;
}

async function load(name: BackendName, options: BackendFactoryOptions = {}): Promise<Backend> {
  const backend = await create(name, options);
  registerBackend(backend);
  return backend;
}

/**
 * 'auto': WebGPU on a real adapter, else WebAssembly. A software WebGPU adapter (SwiftShader,
 * llvmpipe) is some 100x slower than the WebAssembly backend, so auto passes it over; ask for
 * 'webgpu' explicitly to use it anyway.
 */
async function loadAuto(options: BackendFactoryOptions): Promise<Backend> {
  const gpu = await create('webgpu').catch(() => null);
  if (gpu && !gpu.software) {
    registerBackend(gpu);
    return gpu;
  }
  if (gpu && !engine.backends.has('webgpu')) gpu.destroy?.();
  return load('wasm', options);
}

/**
 * Chooses and initialises the backend. Asking for an unavailable backend is an error, never a
 * silent fallback. Returns the backend's description.
 *
 * @example
 * await vm.init({ backend: 'wasm' });
 * await vm.init({ backend: 'wasm', threads: 2 });   // on a machine with two free cores
 */
export async function init(options: InitOptions = {}): Promise<string> {
  checkOptions('init', options, ['backend', 'threads']);
  const requested = options.backend ?? 'auto';
  if (!['auto', 'reference', 'wasm', 'webgpu'].includes(requested)) {
    fail('OPTION', 'init', 'backend', "'auto', 'webgpu', 'wasm' or 'reference'", requested);
  }
  const { threads } = options;
  if (threads !== undefined) {
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) fail('OPTION', 'init', 'threads', 'an integer from 1 to 256', threads);
    if (requested !== 'wasm' && requested !== 'auto') fail('OPTION', 'init', 'backend', "'wasm' or 'auto' when threads are given (threads are the WebAssembly backend's)", requested);
  }
  const factoryOptions = threads === undefined ? {} : { threads };
  let backend: Backend;
  if (requested === 'auto') {
    backend = await loadAuto(factoryOptions);
  } else {
    backend = await load(requested, requested === 'wasm' ? factoryOptions : {});
  }
  engine.current = backend;
  return backend.describe();
}
