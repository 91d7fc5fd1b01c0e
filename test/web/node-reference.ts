// The numbers the demo page and the examples should show, computed in this Node process with the
// library directly (not with the page's code): the same shipped weights and samples, the same
// attack settings, on the current backend.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as vm from '../../src/index.js';

const ASSETS = new URL('../../web/assets/', import.meta.url);
/** The shipped weights and samples, as bytes. */
export const weightsBytes = (): Uint8Array => readFileSync(new URL('avmnist-cnn.safetensors', ASSETS));
export const samplesBytes = (): Uint8Array => readFileSync(new URL('avmnist-samples.safetensors', ASSETS));

/** The model with the shipped weights, and the shipped samples' tensors by name. */
export function loadShipped(): { model: vm.nn.CnnLateFusion; samples: Record<string, vm.SafetensorsEntry> } {
  const model = new vm.nn.CnnLateFusion(vm.presets.avmnistCnn(28), { rng: 0 });
  model.loadStateDict(vm.parseSafetensors(weightsBytes()).tensors as Record<string, { shape: number[]; data: Float32Array }>);
  return { model, samples: vm.parseSafetensors(samplesBytes()).tensors };
}

/** Samples from..to-1 of a split: inputs [n, 1, 28, 28] per modality, int32 labels and indices. */
export function batchOf(samples: Record<string, vm.SafetensorsEntry>, split: 'train' | 'test', from: number, to: number) {
  const inputs: Record<string, vm.Tensor> = {};
  for (const m of ['audiospec', 'colorlessimage']) {
    inputs[m] = vm.tensor((samples[`${split}.${m}`].data as Float32Array).slice(from * 784, to * 784), [to - from, 1, 28, 28]);
  }
  const labels = vm.tensor((samples[`${split}.labels`].data as Int32Array).slice(from, to), [to - from], { dtype: 'int32' });
  return { inputs, labels, label: labels.dataSync()[0] };
}

/** Logits [C] and probe V per modality of the first sample, at the given latents. */
async function verdict(model: vm.nn.CnnLateFusion, z: Record<string, vm.Tensor>, labels: vm.Tensor) {
  const logits = vm.noGrad(() => model.fuse(z));
  const v = vm.robust.probe(model, z, labels, { createGraph: false });
  const values = await v.data();
  const out = { logits: Array.from(await logits.data(), Number), vulnerability: Object.fromEntries(model.modalities.map((m, i) => [m, values[i]])) };
  vm.dispose([logits, v]);
  return out;
}

/** The clean logits and vulnerability of test sample `index`. */
export async function cleanVerdict(model: vm.nn.CnnLateFusion, samples: Record<string, vm.SafetensorsEntry>, index: number) {
  const b = batchOf(samples, 'test', index, index + 1);
  const z = vm.noGrad(() => model.encode(b.inputs));
  try {
    return await verdict(model, z, b.labels);
  } finally {
    vm.dispose([z, b.inputs, b.labels]);
  }
}

/** PGD-`steps` on test sample `index` as the page runs it; logits and vulnerability at the adversarial point. */
export async function attackedVerdict(
  model: vm.nn.CnnLateFusion, samples: Record<string, vm.SafetensorsEntry>, index: number,
  s: { space: 'latent' | 'input'; norm: 'l2' | 'linf'; eps: number; modalities: string[]; steps: number; seed: number },
) {
  const b = batchOf(samples, 'test', index, index + 1);
  const atk = vm.attacks.pgd({ ...s, ...(s.space === 'input' ? { ranges: [0, 1] as [number, number] } : {}) });
  const r = atk.run(model, { inputs: b.inputs, labels: b.labels });
  const z = s.space === 'latent' ? r.adversarial : vm.noGrad(() => model.encode(r.adversarial));
  try {
    return await verdict(model, z, b.labels);
  } finally {
    if (z !== r.adversarial) vm.dispose(z);
    vm.dispose([r, b.inputs, b.labels]);
  }
}

/** Expects two arrays to agree within `rel` of the larger magnitude (float32 tolerance). */
export function expectClose(actual: readonly number[], expected: readonly number[], rel = 1e-4, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst, `${what}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBeLessThanOrEqual(rel * scale);
  expect(actual.every(Number.isFinite), `${what} are finite`).toBe(true);
}
