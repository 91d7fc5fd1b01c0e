// What the page computes for one sample: the prediction, the VARMAT probe's per-modality
// vulnerability, and a PGD attack with the page's settings. Everything is read back
// asynchronously, so it runs on WebGPU as well as on WebAssembly.
import * as vm from '../../src/index.js';

/** The attack the page runs: PGD-`steps` in one threat model. */
export interface AttackSettings {
  space: vm.attacks.AttackSpace;
  norm: vm.attacks.AttackNorm;
  /** Latent space: relative budget (eps / K of each latent's norm); input space: absolute budget per modality. */
  eps: number;
  /** The attacked modalities (one, or all of them for a joint attack). */
  modalities: string[];
  steps: number;
  seed: number;
}

/** The model's verdict on one sample. */
export interface Verdict {
  logits: number[];
  probs: number[];
  prediction: number;
  /** V[m] = ||d CE / d z_m||_2 (the probe's gradient form), per modality. */
  vulnerability: Record<string, number>;
}

/** A verdict at the adversarial point, with the perturbation. */
export interface AttackOutcome extends Verdict {
  /** The adversarial inputs (input space only), per modality. */
  adversarial: Record<string, Float32Array> | null;
  /** The perturbation per modality, in the attacked space. */
  delta: Record<string, Float32Array>;
  /** ||delta_m|| in the attack's norm, per modality. */
  deltaNorm: Record<string, number>;
}

function softmax(logits: number[]): number[] {
  const top = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - top));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Logits and the probe at given latents, read back; disposes nothing it did not make. */
async function verdictAt(model: vm.nn.CnnLateFusion, latents: Record<string, vm.Tensor>, label: number): Promise<Verdict> {
  const [logitsT, vT] = vm.tidy(() => {
    const labels = vm.tensor(Int32Array.of(label), [1], { dtype: 'int32' });
    return [vm.noGrad(() => model.fuse(latents)), vm.robust.probe(model, latents, labels, { createGraph: false })];
  });
  const logits = Array.from(await logitsT.data(), Number);
  const v = await vT.data();
  vm.dispose([logitsT, vT]);
  const vulnerability: Record<string, number> = {};
  model.modalities.forEach((m, i) => { vulnerability[m] = v[i]; });
  return { logits, probs: softmax(logits), prediction: logits.indexOf(Math.max(...logits)), vulnerability };
}

/**
 * The clean prediction and vulnerability of one sample (inputs [1, 28, 28] per modality).
 *
 * @example
 * const v = await predict(model, model.prepareInputs(raw), 7);
 */
export async function predict(model: vm.nn.CnnLateFusion, inputs: Record<string, vm.Tensor>, label: number): Promise<Verdict> {
  const z = vm.noGrad(() => model.encode(inputs));
  try {
    return await verdictAt(model, z, label);
  } finally {
    vm.dispose(z);
  }
}

/**
 * The PGD attack the page's settings describe (input space: values kept in [0, 1]).
 *
 * @example
 * const atk = makeAttack({ space: 'latent', norm: 'l2', eps: 0.2, modalities: ['audiospec'], steps: 10, seed: 0 });
 */
export function makeAttack(s: AttackSettings): vm.attacks.Pgd {
  return vm.attacks.pgd({
    space: s.space, norm: s.norm, eps: s.eps, modalities: s.modalities, steps: s.steps, seed: s.seed,
    ...(s.space === 'input' ? { ranges: [0, 1] as [number, number] } : {}),
  });
}

/**
 * Attacks one sample and evaluates the model at the adversarial point.
 *
 * @example
 * const out = await attack(model, inputs, 7, settings);
 * out.prediction, out.vulnerability.audiospec;
 */
export async function attack(model: vm.nn.CnnLateFusion, inputs: Record<string, vm.Tensor>, label: number, s: AttackSettings): Promise<AttackOutcome> {
  const labels = vm.tensor(Int32Array.of(label), [1], { dtype: 'int32' });
  const result = makeAttack(s).run(model, { inputs, labels });
  const latents = s.space === 'latent' ? result.adversarial : vm.noGrad(() => model.encode(result.adversarial));
  try {
    const verdict = await verdictAt(model, latents, label);
    const delta: Record<string, Float32Array> = {};
    const deltaNorm: Record<string, number> = {};
    let adversarial: Record<string, Float32Array> | null = null;
    for (const m of model.modalities) {
      const d = (await result.delta[m].data()) as Float32Array;
      delta[m] = d;
      deltaNorm[m] = s.norm === 'l2' ? Math.sqrt(d.reduce((a, x) => a + x * x, 0)) : d.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
      if (s.space === 'input') (adversarial ??= {})[m] = (await result.adversarial[m].data()) as Float32Array;
    }
    return { ...verdict, adversarial, delta, deltaNorm };
  } finally {
    if (latents !== result.adversarial) vm.dispose(latents);
    vm.dispose([result, labels]);
  }
}
