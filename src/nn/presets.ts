import type { CnnLateFusionConfig } from './cnn-late-fusion.js';
import type { PerceiverConfig } from './perceiver-config.js';

/**
 * The paper's AV-MNIST configuration (VARMAT.md 6.3): `colorlessimage` [7, 7, 16] (4x4 image
 * patches) and `audiospec` [7, 7, 256] (16x16 spectrogram patches), 6 Fourier bands on the 7x7
 * grid, 10 classes; 20 x 64 latents; 510,402 parameters (encoder 244,792, fusion 264,064, head
 * 1,546), as the released checkpoints have.
 *
 * @example
 * const model = new vm.nn.PerceiverFusion(vm.nn.presets.avmnist, { seed: 0 });
 */
export const avmnist: PerceiverConfig = Object.freeze({
  modalities: Object.freeze([
    Object.freeze({ name: 'colorlessimage', channels: 16, axes: Object.freeze([7, 7]), bands: 6 }),
    Object.freeze({ name: 'audiospec', channels: 256, axes: Object.freeze([7, 7]), bands: 6 }),
  ]),
  classes: 10,
});

/**
 * The CNN late-fusion baseline for AV-MNIST: LeNet-style encoders on the 28x28 images and on the
 * spectrograms (side `specSize`, 28 by default as varmat's builder makes them; 112 as MultiBench's),
 * 10 classes.
 *
 * @example
 * const cnn = new vm.nn.CnnLateFusion(vm.nn.presets.avmnistCnn(28), { rng: 0 });
 */
export function avmnistCnn(specSize = 28): CnnLateFusionConfig {
  return {
    modalities: [
      { name: 'colorlessimage', size: [28, 28] },
      { name: 'audiospec', size: [specSize, specSize] },
    ],
    classes: 10,
  };
}
