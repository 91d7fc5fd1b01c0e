/**
 * A tiny multimodal model for the robust-training tests: per modality a Linear + tanh encoder
 * (inputs [B, d_m] -> latents [B, hidden]), a fusion layer on the concatenated latents, and a head.
 * Small enough for finite differences in float64 and for short training runs in a test.
 */

import * as vm from '../../src/index.js';
import { Linear, Module, type Parameter } from '../../src/nn/index.js';
import type { MultimodalModel, RawModality } from '../../src/nn/multimodal-model.js';

export interface TinyFusionOptions {
  rng?: number;
  dtype?: 'float32' | 'float64';
}

export class TinyFusion extends Module implements MultimodalModel {
  readonly modalities: readonly string[];
  readonly classes: number;
  readonly enc: Record<string, Linear> = {};
  readonly mix: Linear;
  readonly head: Linear;

  constructor(dims: Readonly<Record<string, number>>, hidden: number, classes: number, options: TinyFusionOptions = {}) {
    super();
    const rng = new vm.Rng(options.rng ?? 0);
    const place = { rng, dtype: options.dtype ?? 'float32' };
    this.modalities = Object.keys(dims).sort();
    this.classes = classes;
    for (const m of this.modalities) this.enc[m] = this.registerModule(`enc_${m}`, new Linear(dims[m], hidden, place));
    this.mix = this.registerModule('mix', new Linear(hidden * this.modalities.length, hidden, place));
    this.head = this.registerModule('head', new Linear(hidden, classes, place));
  }

  encoderParameters(): Parameter[] {
    return this.modalities.flatMap((m) => this.enc[m].parameters());
  }

  fusionParameters(): Parameter[] {
    return [...this.mix.parameters(), ...this.head.parameters()];
  }

  encode(inputs: Readonly<Record<string, vm.Tensor>>): Record<string, vm.Tensor> {
    return vm.tidy(() => Object.fromEntries(this.modalities.map((m) => [m, this.enc[m].forward(inputs[m]).tanh()])));
  }

  fuse(latents: Readonly<Record<string, vm.Tensor>>): vm.Tensor {
    return vm.tidy(() => {
      const cat = this.modalities.length === 1 ? latents[this.modalities[0]] : vm.concat(this.modalities.map((m) => latents[m]), 1);
      return this.head.forward(this.mix.forward(cat).tanh());
    });
  }

  forward(inputs: Readonly<Record<string, vm.Tensor>>): vm.Tensor {
    return vm.tidy(() => this.fuse(this.encode(inputs)));
  }

  prepareInputs(raw: Readonly<Record<string, RawModality>>): Record<string, vm.Tensor> {
    const dtype = this.head.weight.value.dtype as 'float32' | 'float64';
    return Object.fromEntries(this.modalities.map((m) => [m, vm.tensor(raw[m].data, [...raw[m].shape], { dtype })]));
  }
}
