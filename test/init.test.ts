import { afterEach, describe, expect, it } from 'vitest';
import * as vm from '../src/index.js';
import { ReferenceBackend } from '../src/index.js';
import { registerBackendFactory } from '../src/init.js';

/** A stand-in WebGPU backend (the reference kernels) that says whether it is software. */
class FakeGpu extends ReferenceBackend {
  destroyed = false;
  constructor(readonly software: boolean) {
    super();
    Object.defineProperty(this, 'name', { value: 'webgpu' });
  }
  override describe(): string {
    return `fake gpu (${this.software ? 'software' : 'hardware'})`;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

afterEach(() => vm.setBackend('reference'));

describe("init({ backend: 'auto' })", () => {
  it('passes over a software WebGPU adapter for WebAssembly, and frees it', async () => {
    const gpu = new FakeGpu(true);
    registerBackendFactory('webgpu', async () => gpu);
    expect(await vm.init({ backend: 'auto' })).toMatch(/^wasm/);
    expect(vm.getBackend().name).toBe('wasm');
    expect(gpu.destroyed).toBe(true);
  });

  it('falls back to WebAssembly when no adapter exists', async () => {
    registerBackendFactory('webgpu', async () => {
      throw new vm.VarmatError('BACKEND', 'createWebGPUBackend', 'no WebGPU adapter');
    });
    expect(await vm.init({ backend: 'auto' })).toMatch(/^wasm/);
  });

  it("never falls back silently when a backend is named", async () => {
    registerBackendFactory('webgpu', async () => {
      throw new vm.VarmatError('BACKEND', 'createWebGPUBackend', 'no WebGPU adapter');
    });
    await expect(vm.init({ backend: 'webgpu' })).rejects.toThrowError(/no WebGPU adapter/);
  });

  // Last: it leaves the fake registered as the webgpu backend.
  it('takes a hardware WebGPU adapter', async () => {
    registerBackendFactory('webgpu', async () => new FakeGpu(false));
    expect(await vm.init({ backend: 'auto' })).toBe('fake gpu (hardware)');
    expect(vm.getBackend().name).toBe('webgpu');
  });
});
