// Shared set-up of the robust-training tests: tiny Perceiver configurations, a separable toy
// dataset, and float64 helpers for finite-difference checks.
import * as vm from '../../src/index.js';
import { Dataset } from '../../src/data/dataset.js';
import type { Parameter } from '../../src/nn/index.js';

const tinyFusion = { numLatents: 3, latentDim: 8, crossDimHead: 4, latentHeads: 2, latentDimHead: 4, fusionHeads: 2, fusionDimHead: 4, ffMult: 2 };

/** A 3-class Perceiver over modalities a [4, 3] and b [3, 5] (the shapes of `toyDataset`). */
export const tinyToyConfig = {
  modalities: [{ name: 'a', channels: 3, axes: [4], bands: 1 }, { name: 'b', channels: 5, axes: [3], bands: 1 }],
  classes: 3, ...tinyFusion,
};

/** A 4-class Perceiver over video [2, 2, 3] and audio [3, 5] (for gradient checks). */
export const tinyAvConfig = {
  modalities: [{ name: 'video', channels: 3, axes: [2, 2], bands: 2 }, { name: 'audio', channels: 5, axes: [3], bands: 1 }],
  classes: 4, ...tinyFusion,
};

/** `n` samples of a 3-class problem that both modalities separate (class = i % 3). */
export function toyDataset(n: number, seed: number): Dataset {
  const rng = new vm.Rng(seed);
  const a = new Float32Array(n * 12);
  const b = new Float32Array(n * 15);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let j = 0; j < 12; j++) a[i * 12 + j] = 0.5 * rng.normal() + (j % 3 === c ? 1.5 : 0);
    for (let j = 0; j < 15; j++) b[i * 15 + j] = 0.5 * rng.normal() + (j % 5 === c ? 1.5 : 0);
  }
  return new Dataset({ name: 'toy', classes: 3, labels, inputs: { a: { data: a, shape: [n, 4, 3] }, b: { data: b, shape: [n, 3, 5] } } });
}

export const host = (t: vm.Tensor): number[] => Array.from(t.dataSync(), Number);
export const maxAbs = (a: number[]): number => Math.max(...a.map(Math.abs));

/** Sets element i of a float64 parameter. */
export function setAt(p: Parameter, i: number, value: number): void {
  const d = Float64Array.from(p.value.dataSync() as Float64Array);
  d[i] = value;
  p.assign(vm.tensor(d, [...p.shape], { dtype: 'float64' }));
}
