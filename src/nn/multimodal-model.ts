import type { Tensor } from '../tensor.js';
import type { Module } from './module.js';

/** One modality of a batch as plain arrays (what the datasets yield): row-major `data` of `shape`. */
export interface RawModality {
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly number[];
}

/** Options of `MultimodalModel.encode` / `fuse`. */
export interface ForwardOptions {
  /**
   * Receives named intermediates (`tokens.<m>`, `enc.<m>.h1`, ... as in the fidelity fixtures).
   * They are freed when the call returns: hold one with `vm.keep(t.detach())`.
   */
  trace?: (name: string, t: Tensor) => void;
}

/**
 * What every multimodal model in varmat offers: an encoder that maps each modality to its latent
 * and a fusion network that maps the latents to logits. Attacks and the VARMAT probe work between
 * the two, on the latents.
 *
 * @example
 * const z = model.encode(inputs);       // { audiospec: [B, 20, 64], colorlessimage: [B, 20, 64] }
 * const logits = model.fuse(z);         // [B, 10]
 */
export interface MultimodalModel extends Module {
  /** Modality names in sorted order. */
  readonly modalities: readonly string[];
  /** Number of classes. */
  readonly classes: number;
  /** Per-modality latents. */
  encode(inputs: Readonly<Record<string, Tensor>>, options?: ForwardOptions): Record<string, Tensor>;
  /** Logits [B, classes] from the latents. */
  fuse(latents: Readonly<Record<string, Tensor>>, options?: ForwardOptions): Tensor;
  /** `fuse(encode(inputs))`. */
  forward(inputs: Readonly<Record<string, Tensor>>, options?: ForwardOptions): Tensor;
  /**
   * Turns a dataset batch's raw arrays (e.g. AV-MNIST images [B, 28, 28]) into the model's input
   * tensors, on the dtype and backend of the model's parameters.
   */
  prepareInputs(raw: Readonly<Record<string, RawModality>>): Record<string, Tensor>;
}
