import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import type { WebGPUBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import { tryNodeBackend } from '../webgpu/node-gpu.js';
import { blobs, copyModel, mlpModel, type Placement, type TinyModel } from './helpers.js';

// Attacks on the WebGPU backend (DESIGN.md section 4, invariants 2 and 8): the same attack with the
// same weights and start noise gives the reference's perturbations within float32 tolerance, and
// input-space results stay in their value range. Reads go through `await t.data()` (no readSync on
// WebGPU). Skipped, saying why, when no adapter exists and CI does not demand one.

const REF: Placement = { dtype: 'float64', backend: 'reference' };
const GPU: Placement = { dtype: 'float32', backend: 'webgpu' };

let gpu: WebGPUBackend | null = null;
let reason = '';
let trained: TinyModel;
beforeAll(async () => {
  ({ gpu, reason } = await tryNodeBackend());
  if (gpu) vm.registerBackend(gpu);
  vm.setBackend('reference');
  trained = mlpModel(REF);
});
afterAll(() => {
  trained.dispose();
  gpu?.destroy();
});

describe('attacks on WebGPU', () => {
  it('agree with the float64 reference and keep input values in range', async (ctx) => {
    if (!gpu) {
      console.warn(`WebGPU attack tests skipped: ${reason}`);
      ctx.skip();
    }
    const start = gpu!.liveBuffers();
    const ref = copyModel(trained, REF);
    const onGpu = copyModel(trained, GPU);
    const d64 = blobs(8, 5, REF);
    const d32 = blobs(8, 5, GPU);
    const noise = (p: Placement, latent: boolean): Record<string, vm.Tensor> => ({
      a: vm.randn(latent ? [8, 5] : [8, 2, 3], { seed: 1, ...p }),
      b: vm.randn(latent ? [8, 5] : [8, 4], { seed: 2, ...p }),
    });
    const attacks = [
      A.fgsm({ space: 'input', eps: 0.5, ranges: [0, 1] }),
      A.pgd({ space: 'input', norm: 'linf', eps: 0.1, steps: 5, ranges: [0, 1] }),
      A.pgd({ eps: 0.6, steps: 5 }),
      A.mim({ eps: 0.6, steps: 5 }),
    ];
    for (const atk of attacks) {
      const input = atk.threat.space === 'input';
      const z64 = input ? d64.inputs : vm.noGrad(() => ref.encode(d64.inputs));
      const z32 = input ? d32.inputs : vm.noGrad(() => onGpu.encode(d32.inputs));
      const n64 = noise(REF, !input);
      const n32 = noise(GPU, !input);
      const a = atk.perturb(ref, z64, d64.labels, { noise: n64 });
      const b = atk.perturb(onGpu, z32, d32.labels, { noise: n32 });
      for (const m of ['a', 'b']) {
        const x = a.delta[m].dataSync();
        const y = await b.delta[m].data();
        const scale = Math.max(...Array.from(x, Math.abs));
        Array.from(y).forEach((v, j) => expect(Math.abs(v - x[j]) / scale, `${atk} ${m}`).toBeLessThan(1e-4));
        if (input) {
          const adv = await b.adversarial[m].data();
          expect(Math.min(...adv), `${atk} ${m} range`).toBeGreaterThanOrEqual(0);
          expect(Math.max(...adv), `${atk} ${m} range`).toBeLessThanOrEqual(1);
        }
      }
      const la = a.logits.dataSync();
      Array.from(await b.logits.data()).forEach((v, j) => expect(Math.abs(v - la[j])).toBeLessThan(1e-4));
      vm.dispose([a.delta, a.adversarial, a.clean, a.logits, b.delta, b.adversarial, b.clean, b.logits, n64, n32]);
      if (!input) vm.dispose([z64, z32]);
    }
    ref.dispose();
    onGpu.dispose();
    vm.dispose([d64.inputs, d64.labels, d32.inputs, d32.labels]);
    expect(gpu!.liveBuffers()).toBe(start);
  });
});
