import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { concat } from '../ops/movement.js';
import { ReLU } from './activations.js';
import { Conv2d } from './conv2d.js';
import { Flatten } from './flatten.js';
import { rngOf, type LayerOptions } from './init.js';
import { Linear } from './linear.js';
import { MaxPool2d } from './max-pool2d.js';
import { Module } from './module.js';
import type { ForwardOptions, MultimodalModel, RawModality } from './multimodal-model.js';
import { Sequential } from './sequential.js';

/** One image-like modality of the CNN: input [B, H, W] (or [B, channels, H, W]). */
export interface CnnModality {
  readonly name: string;
  /** [H, W] of the input. */
  readonly size: readonly [number, number];
  /** Input channels (default 1). */
  readonly channels?: number;
  /** Conv blocks (default floor(log2(min(H, W))), which pools the image down to 1x1 as MultiBench's LeNet does). */
  readonly blocks?: number;
}

/** Configuration of `CnnLateFusion`. */
export interface CnnLateFusionConfig {
  readonly modalities: readonly CnnModality[];
  readonly classes: number;
  /** Channels of the first conv block; each further block doubles them (default 6, as MultiBench). */
  readonly width?: number;
  /** Hidden units of the fusion MLP (default 100, as MultiBench). */
  readonly hidden?: number;
}

/**
 * A LeNet-style encoder: conv 5x5 (padding 2) then conv 3x3 (padding 1) blocks, each followed by
 * ReLU and 2x2 max pooling, channels doubling per block, flattened at the end. (MultiBench's
 * AV-MNIST LeNet, without its batch norm.)
 */
export class LeNetEncoder extends Sequential {
  readonly outFeatures: number;

  constructor(spec: CnnModality, width: number, options: LayerOptions) {
    const [h, w] = spec.size;
    const blocks = spec.blocks ?? Math.floor(Math.log2(Math.min(h, w)));
    if (!Number.isInteger(blocks) || blocks < 1 || 2 ** blocks > Math.min(h, w)) {
      fail('VALUE', 'LeNetEncoder', `${spec.name}.blocks`, `an integer in 1..${Math.floor(Math.log2(Math.min(h, w)))} (each block halves the image)`, blocks);
    }
    const layers = [];
    let c = spec.channels ?? 1;
    let sh = h;
    let sw = w;
    for (let i = 0; i < blocks; i++) {
      const out = width * 2 ** i;
      layers.push(new Conv2d(c, out, i === 0 ? 5 : 3, { ...options, padding: i === 0 ? 2 : 1 }), new ReLU(), new MaxPool2d(2));
      c = out;
      sh = Math.floor(sh / 2);
      sw = Math.floor(sw / 2);
    }
    layers.push(new Flatten());
    super(layers);
    this.outFeatures = c * sh * sw;
  }
}

/**
 * The CNN late-fusion baseline (the kind MultiBench uses for AV-MNIST): one LeNet-style encoder per
 * modality, the flattened features concatenated in sorted-name order, and an MLP head
 * (Linear -> ReLU -> Linear). `encode` returns each modality's feature vector [B, F_m], the latent
 * that latent-space attacks perturb; `fuse` maps them to logits.
 *
 * @example
 * const cnn = new vm.nn.CnnLateFusion({ classes: 10, modalities: [
 *   { name: 'colorlessimage', size: [28, 28] }, { name: 'audiospec', size: [28, 28] }] }, { rng: 0 });
 * cnn.forward(cnn.prepareInputs(batch.inputs)).shape;   // [B, 10]
 */
export class CnnLateFusion extends Module implements MultimodalModel {
  readonly modalities: readonly string[];
  readonly classes: number;
  readonly encoders: Module;
  readonly head: Sequential;
  private readonly specs: Map<string, CnnModality>;
  private readonly nets = new Map<string, LeNetEncoder>();

  constructor(config: CnnLateFusionConfig, options: LayerOptions = {}) {
    super();
    checkOptions('CnnLateFusion', options, ['rng', 'dtype', 'backend']);
    if (!config || !Array.isArray(config.modalities) || config.modalities.length < 1) fail('VALUE', 'CnnLateFusion', 'config.modalities', 'at least one modality', config?.modalities);
    if (!Number.isInteger(config.classes) || config.classes < 1) fail('VALUE', 'CnnLateFusion', 'config.classes', 'a positive integer', config.classes);
    const rng = rngOf('CnnLateFusion', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    this.specs = new Map(config.modalities.map((m) => [m.name, m]));
    if (this.specs.size !== config.modalities.length) fail('VALUE', 'CnnLateFusion', 'config.modalities', 'unique names', config.modalities.map((m) => m.name));
    this.modalities = [...this.specs.keys()].sort();
    this.classes = config.classes;
    this.encoders = this.registerModule('encoders', new Module());
    let features = 0;
    for (const name of this.modalities) {
      const net = new LeNetEncoder(this.specs.get(name)!, config.width ?? 6, place);
      this.encoders.registerModule(name, net);
      this.nets.set(name, net);
      features += net.outFeatures;
    }
    const hidden = config.hidden ?? 100;
    this.head = this.registerModule('head', new Sequential([new Linear(features, hidden, place), new ReLU(), new Linear(hidden, config.classes, place)]));
  }

  /** Per-modality features [B, F_m]. Inputs are [B, C, H, W] (or [B, H, W] for one channel). */
  encode(inputs: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Record<string, Tensor> {
    checkOptions('CnnLateFusion.encode', options, ['trace']);
    return tidy(() => {
      const out: Record<string, Tensor> = {};
      let batch = -1;
      for (const name of this.modalities) {
        const x = inputs[name];
        const spec = this.specs.get(name)!;
        const c = spec.channels ?? 1;
        if (x === undefined) fail('VALUE', 'CnnLateFusion', 'inputs', `a tensor for every modality (${this.modalities.join(', ')})`, `none for '${name}'`);
        const x4 = x.rank === 3 && c === 1 ? x.reshape([x.shape[0], 1, x.shape[1], x.shape[2]]) : x;
        if (x4.rank !== 4 || x4.shape[1] !== c || x4.shape[2] !== spec.size[0] || x4.shape[3] !== spec.size[1]) {
          fail('SHAPE', 'CnnLateFusion', `inputs.${name}`, `[B, ${c}, ${spec.size.join(', ')}]${c === 1 ? ` or [B, ${spec.size.join(', ')}]` : ''}`, x.shape);
        }
        if (batch >= 0 && x4.shape[0] !== batch) fail('SHAPE', 'CnnLateFusion', `inputs.${name}`, `batch size ${batch} like the other modalities`, x.shape);
        batch = x4.shape[0];
        out[name] = this.nets.get(name)!.forward(x4);
        options.trace?.(`z.${name}`, out[name]);
      }
      return out;
    });
  }

  /** Logits [B, classes] from the concatenated features. */
  fuse(latents: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Tensor {
    checkOptions('CnnLateFusion.fuse', options, ['trace']);
    return tidy(() => {
      const parts = this.modalities.map((name) => {
        const z = latents[name];
        const f = this.nets.get(name)!.outFeatures;
        if (z === undefined) fail('VALUE', 'CnnLateFusion', 'latents', `a tensor for every modality (${this.modalities.join(', ')})`, `none for '${name}'`);
        if (z.rank !== 2 || z.shape[1] !== f) fail('SHAPE', 'CnnLateFusion', `latents.${name}`, `[B, ${f}]`, z.shape);
        return z;
      });
      const catted = parts.length === 1 ? parts[0] : concat(parts, 1);
      options.trace?.('catted', catted);
      return this.head.forward(catted);
    });
  }

  /** `fuse(encode(inputs))`. */
  forward(inputs: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Tensor {
    return tidy(() => this.fuse(this.encode(inputs, options), options));
  }

  /** Raw arrays [B, H, W] (or [B, C, H, W]) as tensors on the parameters' dtype and backend. */
  prepareInputs(raw: Readonly<Record<string, RawModality>>): Record<string, Tensor> {
    const first = this.head.parameters()[0].value;
    const out: Record<string, Tensor> = {};
    for (const name of this.modalities) {
      const r = raw[name];
      if (r === undefined) fail('VALUE', 'CnnLateFusion.prepareInputs', 'raw', `arrays for ${this.modalities.join(', ')}`, `none for '${name}'`);
      const shape = r.shape.length === 3 ? [r.shape[0], 1, r.shape[1], r.shape[2]] : [...r.shape];
      out[name] = tensor(r.data, shape, { dtype: first.dtype, backend: first.backend.name });
    }
    return out;
  }
}
