import type { Tensor } from '../tensor.js';

/**
 * What an attack needs of a model: its modality names, an encoder from inputs to per-modality
 * latents, and a fusion network from latents to logits. Every `MultimodalModel` of varmat
 * (`PerceiverFusion`, `CnnLateFusion`) is one; so is any small object with these three members.
 *
 * @example
 * const linear: AttackModel = {
 *   modalities: ['a', 'b'],
 *   encode: (x) => ({ ...x }),
 *   fuse: (z) => z.a.matmul(wa).add(z.b.matmul(wb)),
 * };
 */
export interface AttackModel {
  /** Modality names (the keys of inputs and latents). */
  readonly modalities: readonly string[];
  /** Per-modality latents from inputs. */
  encode(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  /** Logits [B, classes] from latents. */
  fuse(latents: Readonly<Record<string, Tensor>>): Tensor;
}
