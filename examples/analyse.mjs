// What every example does, on any runtime: build the demo's AV-MNIST CNN from safetensors bytes,
// classify one shipped sample, measure each modality's vulnerability with the VARMAT probe, and
// attack it (the paper's evaluation attack: joint latent L2 PGD-10, relative budget 0.2).
// Platform-neutral: bytes in, plain numbers out; no file system, no Node built-ins.
import * as vm from '../dist/varmat.js';

/** The attack every example runs. */
export const ATTACK = { space: 'latent', norm: 'l2', eps: 0.2, steps: 10, seed: 0 };

/**
 * Runs inference, the probe and one attack on test sample `sample` of the shipped samples.
 * Call `vm.init(...)` first.
 *
 * @param {Uint8Array} weightsBytes the model weights (web/assets/avmnist-cnn.safetensors)
 * @param {Uint8Array} samplesBytes the samples (web/assets/avmnist-samples.safetensors)
 * @param {number} sample which test sample
 * @example
 * await vm.init({ backend: 'wasm' });
 * console.log(await analyse(weights, samples, 0));
 */
export async function analyse(weightsBytes, samplesBytes, sample = 0) {
  const model = new vm.nn.CnnLateFusion(vm.presets.avmnistCnn(28), { rng: 0 });
  model.loadStateDict(vm.parseSafetensors(weightsBytes, 'the weights').tensors);
  const { tensors } = vm.parseSafetensors(samplesBytes, 'the samples');
  const label = tensors['test.labels'].data[sample];
  const inputs = {};
  for (const m of model.modalities) {
    inputs[m] = vm.tensor(tensors[`test.${m}`].data.slice(sample * 784, (sample + 1) * 784), [1, 1, 28, 28]);
  }
  const labels = vm.tensor(Int32Array.of(label), [1], { dtype: 'int32' });

  // Inference and the probe V[m] = ||d CE / d z_m||_2 at the clean latents.
  const z = vm.noGrad(() => model.encode(inputs));
  const clean = await verdict(model, z, labels);
  // The attack, then the same at the adversarial latents.
  const result = vm.attacks.pgd(ATTACK).run(model, { inputs, labels });
  const attacked = await verdict(model, result.adversarial, labels);

  vm.dispose([inputs, labels, z, result]);
  model.dispose();
  return { backend: vm.getBackend().name, sample, label, clean, attack: { ...ATTACK, ...attacked } };
}

/** Logits, prediction and vulnerability at latents `z`. */
async function verdict(model, z, labels) {
  const logits = vm.noGrad(() => model.fuse(z));
  const v = vm.robust.probe(model, z, labels, { createGraph: false });
  const values = Array.from(await logits.data());
  const vs = await v.data();
  vm.dispose([logits, v]);
  return {
    logits: values,
    prediction: values.indexOf(Math.max(...values)),
    vulnerability: Object.fromEntries(model.modalities.map((m, i) => [m, vs[i]])),
  };
}
