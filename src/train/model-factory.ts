import { fail } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { CnnLateFusion, type CnnLateFusionConfig } from '../nn/cnn-late-fusion.js';
import type { LayerOptions } from '../nn/init.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import type { PerceiverConfig } from '../nn/perceiver-config.js';
import { PerceiverFusion } from '../nn/perceiver-fusion.js';
import { avmnist, avmnistCnn } from '../nn/presets.js';

/** The model families `varmat train` builds. */
export type ModelKind = 'perceiver' | 'cnn';

/** How to rebuild a model: its family and configuration (stored in checkpoint sidecars). */
export type ModelSpec =
  | { kind: 'perceiver'; config: PerceiverConfig }
  | { kind: 'cnn'; config: CnnLateFusionConfig };

/**
 * The model configuration that fits a dataset. AV-MNIST (`colorlessimage` and `audiospec`) gets
 * the paper's preset (Perceiver) or the LeNet late-fusion preset (CNN), and one of its modalities alone
 * the preset restricted to it (a unimodal baseline); other datasets of sequences
 * [T, C] get a Perceiver with one 1-D modality per input (3 Fourier bands, as the paper's affect
 * configurations), in the dataset's modality order.
 *
 * @example
 * const spec = vm.train.modelSpecFor('perceiver', splits.train);   // { kind: 'perceiver', config: presets.avmnist }
 */
export function modelSpecFor(kind: ModelKind, dataset: Dataset): ModelSpec {
  const names = Object.keys(dataset.inputs);
  const isAv = names.length === 2 && names.includes('colorlessimage') && names.includes('audiospec');
  if (kind === 'perceiver') {
    if (isAv) return { kind, config: { ...avmnist, classes: dataset.classes } };
    const avOnly = avmnist.modalities.filter((m) => names.includes(m.name));
    if (avOnly.length === names.length) return { kind, config: { ...avmnist, modalities: avOnly, classes: dataset.classes } };
    const modalities = names.map((name) => {
      const shape = dataset.sampleShape(name);
      if (shape.length !== 2) fail('VALUE', 'modelSpecFor', `dataset.inputs.${name}`, 'sequences [T, C] (or the AV-MNIST modalities)', shape);
      return { name, channels: shape[1], axes: [shape[0]], bands: 3 };
    });
    return { kind, config: { modalities, classes: dataset.classes } };
  }
  if (kind === 'cnn') {
    if (isAv) {
      const spec = dataset.sampleShape('audiospec');
      if (spec.length !== 2 || spec[0] !== spec[1]) fail('VALUE', 'modelSpecFor', 'dataset.inputs.audiospec', 'square spectrograms [S, S]', spec);
      return { kind, config: { ...avmnistCnn(spec[0]), classes: dataset.classes } };
    }
    const modalities = names.map((name) => {
      const shape = dataset.sampleShape(name);
      if (shape.length !== 2) fail('VALUE', 'modelSpecFor', `dataset.inputs.${name}`, 'images [H, W] for the CNN', shape);
      return { name, size: [shape[0], shape[1]] as const };
    });
    return { kind, config: { modalities, classes: dataset.classes } };
  }
  return fail('VALUE', 'modelSpecFor', 'kind', "'perceiver' or 'cnn'", kind);
}

/**
 * Builds a model from its spec.
 *
 * @example
 * const model = vm.train.buildModel(spec, { rng: 0 });
 */
export function buildModel(spec: ModelSpec, options: LayerOptions = {}): MultimodalModel {
  if (spec.kind === 'perceiver') return new PerceiverFusion(spec.config, options);
  if (spec.kind === 'cnn') return new CnnLateFusion(spec.config, options);
  return fail('VALUE', 'buildModel', 'spec.kind', "'perceiver' or 'cnn'", (spec as { kind: unknown }).kind);
}
