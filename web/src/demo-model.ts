// The demo's model and samples, read from safetensors bytes: the CNN late-fusion network of
// `vm.nn.presets.avmnistCnn(28)` and a few AV-MNIST samples. Every failure becomes a
// `DemoLoadError` whose message says which file is wrong and why, for the page to show.
import * as vm from '../../src/index.js';

/** A failure to load a shipped or user-supplied file, with a message meant for the page. */
export class DemoLoadError extends Error {
  override name = 'DemoLoadError';
}

/** Host arrays of the model's parameters by name (what `Module.loadStateDict` takes). */
export type HostWeights = Record<string, { shape: number[]; data: Float32Array }>;

/** One split of the shipped samples: each modality [N, 28, 28], labels [N]. */
export interface SampleSet {
  readonly size: number;
  readonly inputs: Readonly<Record<string, { data: Float32Array; shape: number[] }>>;
  readonly labels: Int32Array;
}

/** The shipped samples: `train` for live training, `test` for the gallery. */
export interface DemoSamples {
  readonly train: SampleSet;
  readonly test: SampleSet;
}

/** The modalities of AV-MNIST, as the model orders them (sorted by name). */
export const MODALITIES = ['audiospec', 'colorlessimage'] as const;

function parse(bytes: Uint8Array, name: string): vm.SafetensorsFile {
  try {
    return vm.parseSafetensors(bytes, name);
  } catch (e) {
    throw new DemoLoadError(`${name} is not a valid safetensors file: ${(e as Error).message}`);
  }
}

/**
 * Reads model weights from safetensors bytes, checking that they fit the demo's network.
 *
 * @example
 * const weights = readWeights(new Uint8Array(await (await fetch('assets/avmnist-cnn.safetensors')).arrayBuffer()), 'the weights');
 */
export function readWeights(bytes: Uint8Array, name: string): HostWeights {
  const file = parse(bytes, name);
  const weights: HostWeights = {};
  for (const [key, t] of Object.entries(file.tensors)) {
    if (!(t.data instanceof Float32Array)) throw new DemoLoadError(`${name} holds '${key}' as ${t.dtype}; the demo's weights are F32`);
    weights[key] = { shape: t.shape, data: t.data };
  }
  // Fail here, with the loader's list of missing or mis-shaped keys, rather than on first use.
  const probe = buildModel(weights, name);
  probe.dispose();
  return weights;
}

/**
 * Builds the demo network on the current backend (or `backend`) and loads `weights` into it.
 *
 * @example
 * const model = buildModel(weights, 'the weights');
 */
export function buildModel(weights: HostWeights, name: string, backend?: vm.BackendName): vm.nn.CnnLateFusion {
  const model = new vm.nn.CnnLateFusion(vm.presets.avmnistCnn(28), backend ? { rng: 0, backend } : { rng: 0 });
  try {
    model.loadStateDict(weights);
  } catch (e) {
    model.dispose();
    throw new DemoLoadError(`${name} does not fit the demo's CNN (${model.modalities.join(' + ')}, 10 classes): ${(e as Error).message}`);
  }
  return model;
}

function sampleSet(file: vm.SafetensorsFile, split: string, name: string): SampleSet {
  const labels = file.tensors[`${split}.labels`];
  if (!labels || !(labels.data instanceof Int32Array)) throw new DemoLoadError(`${name} has no I32 '${split}.labels'`);
  const size = labels.shape[0];
  const inputs: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const m of MODALITIES) {
    const t = file.tensors[`${split}.${m}`];
    if (!t || !(t.data instanceof Float32Array) || t.shape.join() !== `${size},28,28`) {
      throw new DemoLoadError(`${name} needs '${split}.${m}' as F32 [${size}, 28, 28]`);
    }
    inputs[m] = { data: t.data, shape: t.shape };
  }
  return { size, inputs, labels: labels.data };
}

/**
 * Reads the shipped samples (`train.*` and `test.*`: each modality, and the labels).
 *
 * @example
 * const samples = readSamples(bytes, 'the samples');
 * samples.test.labels[0];
 */
export function readSamples(bytes: Uint8Array, name: string): DemoSamples {
  const file = parse(bytes, name);
  return { train: sampleSet(file, 'train', name), test: sampleSet(file, 'test', name) };
}

/**
 * Samples `from..to-1` of a split as raw arrays [n, 28, 28] per modality (for `prepareInputs`).
 *
 * @example
 * const raw = sliceSamples(samples.test, 3, 4);   // sample 3 alone
 */
export function sliceSamples(set: SampleSet, from: number, to: number): Record<string, { data: Float32Array; shape: number[] }> {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [m, { data, shape }] of Object.entries(set.inputs)) {
    const per = shape[1] * shape[2];
    out[m] = { data: data.slice(from * per, to * per), shape: [to - from, shape[1], shape[2]] };
  }
  return out;
}

/**
 * Copies a model's parameters to host arrays (asynchronously, so it works on every backend).
 *
 * @example
 * const weights = await hostWeights(model);
 */
export async function hostWeights(model: vm.nn.Module): Promise<HostWeights> {
  const out: HostWeights = {};
  for (const [key, t] of Object.entries(model.stateDict())) out[key] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
  return out;
}
