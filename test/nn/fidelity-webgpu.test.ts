import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { PerceiverFusion, presets, type HostArray } from '../../src/nn/index.js';
import type { WebGPUBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import { tryNodeBackend } from '../webgpu/node-gpu.js';
import { fixture, fixtureInputs, haveFixtures, scaledError } from './authors-fixtures.js';

// Fidelity to the authors' AV-MNIST model on WebGPU (float32): their released weights must give
// their latents and logits within the fixtures' float32 bound (1e-5 of each tensor's largest
// value), as on the reference and wasm backends (fidelity.test.ts). Skipped, saying why, when no
// adapter exists and CI does not demand one.

let gpu: WebGPUBackend | null = null;
let reason = '';
beforeAll(async () => {
  ({ gpu, reason } = await tryNodeBackend());
  if (gpu) vm.registerBackend(gpu);
});
afterAll(() => {
  vm.setBackend('reference');
  gpu?.destroy();
});

describe.skipIf(!haveFixtures)('fidelity to the authors\' AV-MNIST model on WebGPU', () => {
  for (const tag of ['clean', 'varmat']) {
    it(`${tag} weights: latents and logits within 1e-5 of the fixtures`, async (ctx) => {
      if (!gpu) {
        console.warn(`WebGPU fidelity skipped: ${reason}`);
        ctx.skip();
      }
      const start = gpu!.liveBuffers();
      const model = new PerceiverFusion(presets.avmnist, { dtype: 'float32', backend: 'webgpu' });
      model.loadStateDict(fixture(`weights-${tag}.safetensors`).tensors as unknown as Record<string, HostArray>);
      model.eval();
      const inputs = fixtureInputs('float32', 'webgpu');
      const z = model.encode(inputs);
      const logits = model.fuse(z);
      const expected = fixture(`expected-${tag}.safetensors`).tensors;
      for (const [key, t] of [['z.audiospec', z.audiospec], ['z.colorlessimage', z.colorlessimage], ['logits', logits]] as const) {
        expect(scaledError(await t.data(), expected[key].data as Float64Array), key).toBeLessThan(1e-5);
      }
      vm.dispose([logits, z.audiospec, z.colorlessimage, inputs.audiospec, inputs.colorlessimage]);
      model.dispose();
      expect(gpu!.liveBuffers()).toBe(start);
    });
  }
});
