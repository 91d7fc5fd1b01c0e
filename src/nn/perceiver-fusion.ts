import { checkOptions, fail } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { concat as concatOp } from '../ops/movement.js';
import { patchesFor } from './avmnist-patches.js';
import { fourierFeatures } from './fourier-features.js';
import { rngOf, normalInit, type LayerOptions } from './init.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { ForwardOptions, MultimodalModel, RawModality } from './multimodal-model.js';
import type { Parameter } from './parameter.js';
import {
  featureWidth, resolvePerceiverConfig, tokenWidth, type PerceiverConfig, type PerceiverModality, type ResolvedPerceiverConfig,
} from './perceiver-config.js';
import { PerceiverLayer } from './perceiver-layer.js';
import { ModuleList, Sequential } from './sequential.js';

/**
 * The paper's model (VARMAT.md 6.1-6.2): a Perceiver encoder shared by all modalities that maps each
 * modality to its latent z_m [B, 20, 64], and a fusion network of cross-modal attention over every
 * ordered pair of modalities (sorted-name order), whose last latent tokens are concatenated and
 * classified by LayerNorm + Linear.
 *
 * With a single modality there are no pairs: the head classifies that modality's last latent token
 * (a unimodal baseline with the same encoder; the fusion layers are not created).
 *
 * Parameter names are those of the authors' PyTorch `state_dict` (`latents`, `layers.0.*`,
 * `cross_layers.0.*`, `to_logits.*`; `to_logitslist.0.*` is accepted as an alias of the head), so
 * their released weights load by name.
 *
 * @example
 * const model = new vm.nn.PerceiverFusion(vm.nn.presets.avmnist, { rng: new vm.Rng(0) });
 * const z = model.encode(inputs);      // { audiospec: [B, 20, 64], colorlessimage: [B, 20, 64] }
 * const logits = model.fuse(z);        // [B, 10]
 */
export class PerceiverFusion extends Module implements MultimodalModel {
  readonly config: ResolvedPerceiverConfig;
  /** Modality names in sorted order (the fusion's order). */
  readonly modalities: readonly string[];
  readonly classes: number;
  /** Width of every input token. */
  readonly tokenWidth: number;
  readonly latents: Parameter;
  readonly layers: ModuleList<PerceiverLayer>;
  readonly crossLayers: ModuleList<PerceiverLayer>;
  readonly head: Sequential;
  private readonly tails = new Map<string, Float64Array>();

  constructor(config: PerceiverConfig, options: LayerOptions = {}) {
    super();
    checkOptions('PerceiverFusion', options, ['rng', 'dtype', 'backend']);
    const c = resolvePerceiverConfig(config);
    this.config = c;
    this.modalities = c.modalities.map((m) => m.name).sort();
    this.classes = c.classes;
    this.tokenWidth = tokenWidth(c);
    const rng = rngOf('PerceiverFusion', options);
    const place = { rng, dtype: options.dtype, backend: options.backend };
    const shared = {
      ...place, latentHeads: c.latentHeads, latentDimHead: c.latentDimHead, ffMult: c.ffMult, eps: c.eps,
    };
    this.latents = this.registerParameter('latents', normalInit([c.numLatents, c.latentDim], 1, rng, place));
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: c.depth }, () => new PerceiverLayer(c.latentDim, {
      ...shared, contextDim: this.tokenWidth, crossHeads: c.crossHeads, crossDimHead: c.crossDimHead,
    }))));
    const pairs = this.modalities.length * (this.modalities.length - 1);
    this.crossLayers = this.registerModule('cross_layers', new ModuleList(Array.from({ length: pairs > 0 ? c.fusionDepth : 0 }, () => new PerceiverLayer(c.latentDim, {
      ...shared, contextDim: c.latentDim, crossHeads: c.fusionHeads, crossDimHead: c.fusionDimHead,
    }))));
    const width = Math.max(1, pairs) * c.latentDim;
    this.head = this.registerModule('to_logits', new Sequential([
      new LayerNorm(width, c.eps, place),
      new Linear(width, c.classes, place),
    ]));
    this.registerAlias('to_logitslist.0', 'to_logits');
    for (const m of c.modalities) this.tails.set(m.name, this.tokenTail(m));
  }

  /** The parameters of the encoder (latents and `layers.*`). */
  encoderParameters(): Parameter[] {
    return [this.latents, ...this.layers.parameters()];
  }

  /** The parameters of the fusion network (`cross_layers.*`). */
  fusionParameters(): Parameter[] {
    return this.crossLayers.parameters();
  }

  /** The parameters of the classification head (`to_logits.*`). */
  headParameters(): Parameter[] {
    return this.head.parameters();
  }

  private spec(name: string): PerceiverModality {
    const m = this.config.modalities.find((s) => s.name === name);
    if (!m) fail('VALUE', 'PerceiverFusion', 'inputs', `modalities ${this.modalities.map((n) => `'${n}'`).join(', ')}`, `'${name}'`);
    return m;
  }

  /** Per cell: [zeros (padding), Fourier features, one-hot], the constant part of every token. */
  private tokenTail(m: PerceiverModality): Float64Array {
    const cells = m.axes.reduce((a, b) => a * b, 1);
    const pad = this.tokenWidth - this.config.modalities.length - featureWidth(m);
    const fourier = fourierFeatures(m.axes, m.bands, m.maxFreq ?? 1);
    const fw = fourier.length / cells;
    const k = this.config.modalities.length;
    const width = pad + fw + k;
    const hot = this.config.modalities.indexOf(m);
    const out = new Float64Array(cells * width);
    for (let i = 0; i < cells; i++) {
      out.set(fourier.subarray(i * fw, (i + 1) * fw), i * width + pad);
      out[i * width + pad + fw + hot] = 1;
    }
    return out;
  }

  /**
   * The encoder's input tokens of one modality: [data, zeros, Fourier(pos), one-hot] along channels,
   * flattened to [B, cells, tokenWidth] in row-major cell order.
   *
   * @example
   * model.inputTokens('colorlessimage', x).shape;   // [B, 49, 284]
   */
  inputTokens(name: string, x: Tensor): Tensor {
    const m = this.spec(name);
    const expected = [m.axes, m.channels].flat();
    if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      fail('SHAPE', 'PerceiverFusion', `inputs.${name}`, `[B, ${expected.join(', ')}]`, x.shape);
    }
    const cells = m.axes.reduce((a, b) => a * b, 1);
    const tail = this.tails.get(name)!;
    const tw = tail.length / cells;
    return tidy(() => {
      const b = x.shape[0];
      const data = x.reshape([b, cells, m.channels]);
      const t = tensor(tail, [1, cells, tw], { dtype: x.dtype, backend: x.backend.name }).broadcastTo([b, cells, tw]);
      return concatOp([data, t], 2);
    });
  }

  private checkBatch(op: string, record: Readonly<Record<string, Tensor>>, shapeOf: (name: string) => number[] | null): number {
    let batch = -1;
    for (const name of this.modalities) {
      const t = record[name];
      if (t === undefined) fail('VALUE', 'PerceiverFusion', op, `a tensor for every modality (${this.modalities.join(', ')})`, `none for '${name}'`);
      const tail = shapeOf(name);
      if (tail && (t.rank !== tail.length + 1 || tail.some((d, i) => t.shape[i + 1] !== d))) {
        fail('SHAPE', 'PerceiverFusion', `${op}.${name}`, `[B, ${tail.join(', ')}]`, t.shape);
      }
      if (batch >= 0 && t.shape[0] !== batch) fail('SHAPE', 'PerceiverFusion', `${op}.${name}`, `batch size ${batch} like the other modalities`, t.shape);
      batch = t.shape[0];
    }
    return batch;
  }

  /**
   * Encodes each modality with the shared encoder: returns z_m [B, numLatents, latentDim] per
   * modality. Modalities with the same token count run as one batch (the same arithmetic per row).
   */
  encode(inputs: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Record<string, Tensor> {
    checkOptions('PerceiverFusion.encode', options, ['trace']);
    const batch = this.checkBatch('inputs', inputs, (n) => { const m = this.spec(n); return [...m.axes, m.channels]; });
    const trace = options.trace;
    return tidy(() => {
      const tokens = new Map<string, Tensor>();
      for (const name of this.modalities) {
        const t = this.inputTokens(name, inputs[name]);
        trace?.(`tokens.${name}`, t);
        tokens.set(name, t);
      }
      // Group modalities by token count; each group runs as one batch.
      const groups = new Map<number, string[]>();
      for (const name of this.modalities) {
        const n = tokens.get(name)!.shape[1];
        groups.set(n, [...(groups.get(n) ?? []), name]);
      }
      const out: Record<string, Tensor> = {};
      for (const names of groups.values()) {
        const ctx = names.length === 1 ? tokens.get(names[0])! : concatOp(names.map((n) => tokens.get(n)!), 0);
        const rows = ctx.shape[0];
        const emit = trace && ((stage: string, t: Tensor): void => names.forEach((n, i) => {
          trace(`enc.${n}.${stage}`, names.length === 1 ? t : t.slice([i * batch], [batch]));
        }));
        let x = this.latents.value.broadcastTo([rows, this.config.numLatents, this.config.latentDim]);
        this.layers.items.forEach((layer, depth) => {
          x = layer.forward(x, ctx, emit && ((stage, t) => emit(depth === 0 ? stage : `${depth}.${stage}`, t)));
        });
        names.forEach((n, i) => {
          out[n] = names.length === 1 ? x : x.slice([i * batch], [batch]);
          trace?.(`z.${n}`, out[n]);
        });
      }
      return out;
    });
  }

  /**
   * Fuses the latents: for every ordered pair (i, j), i != j, in sorted-name order, the fusion
   * layer runs on z_i with context z_j and keeps the last latent token; the tokens are concatenated
   * ([B, pairs * latentDim]) and classified. All pairs run as one batch.
   */
  fuse(latents: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Tensor {
    checkOptions('PerceiverFusion.fuse', options, ['trace']);
    const { numLatents, latentDim } = this.config;
    const batch = this.checkBatch('latents', latents, () => [numLatents, latentDim]);
    const trace = options.trace;
    return tidy(() => {
      const names = this.modalities;
      const query: Tensor[] = [];
      const context: Tensor[] = [];
      for (let i = 0; i < names.length; i++) {
        for (let j = 0; j < names.length; j++) {
          if (i === j) continue;
          query.push(latents[names[i]]);
          context.push(latents[names[j]]);
        }
      }
      const pairs = query.length;
      if (pairs === 0) {
        const only = latents[names[0]];
        const last = only.slice([0, numLatents - 1, 0], [batch, 1, latentDim]).reshape([batch, latentDim]);
        trace?.('catted', last);
        const logits = this.head.forward(last);
        trace?.('logits', logits);
        return logits;
      }
      const ctx = concatOp(context, 0);
      let x = concatOp(query, 0);
      const emit = trace && ((stage: string, t: Tensor): void => {
        for (let p = 0; p < pairs; p++) trace(`fusion.pair${p}.${stage}`, t.slice([p * batch], [batch]));
      });
      this.crossLayers.items.forEach((layer, depth) => {
        x = layer.forward(x, ctx, emit && ((stage, t) => emit(depth === 0 ? stage : `${depth}.${stage}`, t)));
      });
      const last = x.slice([0, numLatents - 1, 0], [pairs * batch, 1, latentDim])
        .reshape([pairs, batch, latentDim]).permute([1, 0, 2]).reshape([batch, pairs * latentDim]);
      trace?.('catted', last);
      const logits = this.head.forward(last);
      trace?.('logits', logits);
      return logits;
    });
  }

  /** `fuse(encode(inputs))`. */
  forward(inputs: Readonly<Record<string, Tensor>>, options: ForwardOptions = {}): Tensor {
    return tidy(() => this.fuse(this.encode(inputs, options), options));
  }

  /**
   * Model inputs from raw arrays: square images [B, S, S] are cut into the grid's patches (and
   * upsampled by nearest neighbour when S is smaller than the paper's; see `toPatches`); arrays
   * already shaped [B, ...axes, channels] pass through.
   *
   * @example
   * const inputs = model.prepareInputs(batch.inputs);   // AV-MNIST 28x28 images and spectrograms
   */
  prepareInputs(raw: Readonly<Record<string, RawModality>>): Record<string, Tensor> {
    const dtype = this.latents.value.dtype;
    const backend = this.latents.value.backend.name;
    const out: Record<string, Tensor> = {};
    for (const name of this.modalities) {
      const r = raw[name];
      if (r === undefined) fail('VALUE', 'PerceiverFusion.prepareInputs', 'raw', `arrays for ${this.modalities.join(', ')}`, `none for '${name}'`);
      const m = this.spec(name);
      const p = m.axes.length === 2 ? patchesFor(r.data, r.shape, m.axes, m.channels) : { data: r.data, shape: [...r.shape] };
      out[name] = tensor(p.data, p.shape, { dtype, backend });
    }
    return out;
  }
}

