// What this browser can run varmat on: WebGPU (an adapter, not just `navigator.gpu`) and
// WebAssembly (with or without SIMD: the wasm backend ships a scalar build too).
import * as vm from '../../src/index.js';

/** The backends this browser offers, with a reason for each missing one. */
export interface Support {
  webgpu: boolean;
  wasm: boolean;
  /** Whether WebAssembly 128-bit SIMD validates (the fast kernels). */
  simd: boolean;
  /** Why a backend is missing, by backend. */
  missing: Partial<Record<'webgpu' | 'wasm', string>>;
}

// (module (func (result v128) (v128.const i32x4 0 0 0 0)))
const SIMD_PROBE = Uint8Array.of(
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
);

/**
 * Finds the usable backends. WebGPU is tried for real (adapter and device), which also leaves it
 * ready for `vm.init({ backend: 'webgpu' })`.
 *
 * @example
 * const s = await detectSupport();
 * if (!s.webgpu && !s.wasm) showUnsupported(s);
 */
export async function detectSupport(): Promise<Support> {
  const missing: Support['missing'] = {};
  const wasm = typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
  if (!wasm) missing.wasm = 'no WebAssembly object: it may be disabled, e.g. by a lockdown or JIT-less mode';
  let simd = false;
  try {
    simd = wasm && WebAssembly.validate(SIMD_PROBE);
  } catch {
    simd = false;
  }
  let webgpu = false;
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    missing.webgpu = 'navigator.gpu is missing';
  } else {
    const current = vm.getBackend().name;
    try {
      await vm.init({ backend: 'webgpu' });
      webgpu = true;
    } catch (e) {
      missing.webgpu = `no WebGPU adapter: ${(e as Error).message}`;
    } finally {
      vm.setBackend(current);
    }
  }
  return { webgpu, wasm, simd, missing };
}
