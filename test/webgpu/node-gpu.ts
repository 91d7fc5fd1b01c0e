// Node side of the WebGPU tests: points Dawn at SwiftShader when no Vulkan driver is configured,
// creates backends, and decides between skipping and failing when there is no adapter.
import { existsSync, mkdirSync } from 'node:fs';
import { createWebGPUBackend, type WebGPUBackend, type WebGPUBackendOptions } from '../../src/backend/webgpu/webgpu-backend.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Sets the Vulkan environment Dawn needs on a GPU-less machine (before the first adapter request). */
export function prepareNodeWebGPU(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = '/tmp/varmat-xdg';
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
}

/** Whether CI demands the WebGPU suites (a missing adapter is then a failure, not a skip). */
export const REQUIRE_WEBGPU = process.env.VARMAT_REQUIRE_WEBGPU === '1';

/** Creates a Node WebGPU backend. */
export function createNodeBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  prepareNodeWebGPU();
  return createWebGPUBackend(options);
}

/**
 * Tries to create a backend: returns it, or null with the reason when there is no adapter and CI
 * does not require one (callers then skip and say why). Throws when VARMAT_REQUIRE_WEBGPU=1.
 */
export async function tryNodeBackend(options: WebGPUBackendOptions = {}): Promise<{ gpu: WebGPUBackend | null; reason: string }> {
  try {
    return { gpu: await createNodeBackend(options), reason: '' };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (REQUIRE_WEBGPU) throw new Error(`VARMAT_REQUIRE_WEBGPU=1 but no WebGPU adapter: ${reason}`);
    return { gpu: null, reason };
  }
}
