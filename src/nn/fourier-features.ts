import { fail } from '../errors.js';

/**
 * Fourier position features of a grid, as the Perceiver computes them, row-major over the grid
 * cells, `axes.length * (2 * bands + 1)` values per cell: per axis (axis 0 first) the block
 * `[sin(pi s_k p) for k, cos(pi s_k p) for k, p]` with positions p = linspace(-1, 1, size) and
 * scales s_k = 2^(linspace(1, log2(maxFreq / 2), bands)) (torch.logspace, base 2).
 *
 * @example
 * const f = vm.nn.fourierFeatures([7, 7], 6);   // Float64Array of 7 * 7 * 26
 */
export function fourierFeatures(axes: readonly number[], bands: number, maxFreq = 1): Float64Array {
  if (!axes.every((s) => Number.isInteger(s) && s >= 1)) fail('VALUE', 'fourierFeatures', 'axes', 'positive integer sizes', axes);
  if (!Number.isInteger(bands) || bands < 1) fail('VALUE', 'fourierFeatures', 'bands', 'a positive integer', bands);
  const end = Math.log2(maxFreq / 2);
  const scales = Array.from({ length: bands }, (_, k) => 2 ** (bands === 1 ? 1 : 1 + (k * (end - 1)) / (bands - 1)));
  const per = 2 * bands + 1;
  const width = axes.length * per;
  const cells = axes.reduce((a, b) => a * b, 1);
  const out = new Float64Array(cells * width);
  const index = new Array<number>(axes.length).fill(0);
  for (let cell = 0; cell < cells; cell++) {
    let at = cell * width;
    axes.forEach((size, a) => {
      const p = size === 1 ? -1 : -1 + (2 * index[a]) / (size - 1);
      for (let k = 0; k < bands; k++) out[at + k] = Math.sin(p * scales[k] * Math.PI);
      for (let k = 0; k < bands; k++) out[at + bands + k] = Math.cos(p * scales[k] * Math.PI);
      out[at + 2 * bands] = p;
      at += per;
    });
    for (let a = axes.length - 1; a >= 0; a--) {
      if (++index[a] < axes[a]) break;
      index[a] = 0;
    }
  }
  return out;
}
