import { fail } from '../errors.js';

/**
 * Cuts square images [N, H, W] into a grid of non-overlapping patches, each flattened row-major into
 * channels: [N, grid, grid, (H / grid) * (W / grid) * upsample^2] (VARMAT.md 6.4: AV-MNIST images
 * 28x28 -> [N, 7, 7, 16], spectrograms 112x112 -> [N, 7, 7, 256]).
 *
 * With `upsample` = k > 1 each pixel is first repeated k x k times (nearest neighbour). This is how
 * varmat feeds the smaller spectrograms of its AV-MNIST builder (28x28 by default) to the paper's
 * model: 28x28 with k = 4 gives the same [N, 7, 7, 256] layout as 112x112 with k = 1, so the model and
 * its parameter count stay those of the paper. `patchesFor` picks k from the target channel count.
 *
 * @example
 * vm.nn.toPatches(images, [1000, 28, 28], 7).shape;          // [1000, 7, 7, 16]
 * vm.nn.toPatches(spec, [1000, 28, 28], 7, 4).shape;         // [1000, 7, 7, 256]
 */
export function toPatches(
  data: Float32Array | Float64Array,
  shape: readonly number[],
  grid: number,
  upsample = 1,
): { data: Float32Array; shape: number[] } {
  const op = 'toPatches';
  if (shape.length !== 3) fail('SHAPE', op, 'shape', '[N, H, W]', shape);
  const [n, h, w] = shape;
  if (data.length !== n * h * w) fail('SHAPE', op, 'data', `${n * h * w} values for shape [${shape.join(', ')}]`, data.length);
  if (!Number.isInteger(grid) || grid < 1 || h % grid !== 0 || w % grid !== 0) {
    fail('VALUE', op, 'grid', `a positive divisor of the image sides (${h} and ${w})`, grid);
  }
  if (!Number.isInteger(upsample) || upsample < 1) fail('VALUE', op, 'upsample', 'a positive integer', upsample);
  const ph = h / grid;
  const pw = w / grid;
  const uh = ph * upsample;
  const uw = pw * upsample;
  const channels = uh * uw;
  const out = new Float32Array(n * grid * grid * channels);
  let at = 0;
  for (let s = 0; s < n; s++) {
    const base = s * h * w;
    for (let i = 0; i < grid; i++) {
      for (let j = 0; j < grid; j++) {
        for (let a = 0; a < uh; a++) {
          const row = base + (i * ph + Math.floor(a / upsample)) * w + j * pw;
          for (let b = 0; b < uw; b++) out[at++] = data[row + Math.floor(b / upsample)];
        }
      }
    }
  }
  return { data: out, shape: [n, grid, grid, channels] };
}

/**
 * The patch layout for a model input of `axes` [g, g] and `channels`: square images [N, H, W] are
 * cut into g x g patches and upsampled (nearest neighbour) by the factor that makes each patch
 * `channels` wide. Inputs already in the layout [N, g, g, channels] pass through.
 *
 * @example
 * vm.nn.patchesFor(spec, [64, 28, 28], [7, 7], 256).shape;   // [64, 7, 7, 256] (upsampled by 4)
 */
export function patchesFor(
  data: Float32Array | Float64Array,
  shape: readonly number[],
  axes: readonly number[],
  channels: number,
): { data: Float32Array | Float64Array; shape: number[] } {
  const op = 'patchesFor';
  if (shape.length === axes.length + 2 && axes.every((a, i) => shape[i + 1] === a) && shape[shape.length - 1] === channels) {
    return { data, shape: [...shape] };
  }
  if (axes.length !== 2 || axes[0] !== axes[1] || shape.length !== 3 || shape[1] !== shape[2]) {
    fail('SHAPE', op, 'shape', `[N, ${axes.join(', ')}, ${channels}] or square images [N, S, S] with S a multiple of ${axes[0]}`, shape);
  }
  const grid = axes[0];
  const side = shape[1];
  if (side % grid !== 0) fail('SHAPE', op, 'shape', `square images whose side is a multiple of ${grid}`, shape);
  const patch = side / grid;
  const k = Math.sqrt(channels) / patch;
  if (!Number.isInteger(k) || k < 1) {
    fail('SHAPE', op, 'shape', `images whose ${grid}x${grid} patches, upsampled by an integer, hold ${channels} values (side ${grid * Math.sqrt(channels)} or a divisor of it)`, shape);
  }
  return toPatches(data, shape, grid, k);
}
