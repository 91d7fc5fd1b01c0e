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
