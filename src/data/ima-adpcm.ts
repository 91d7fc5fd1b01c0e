/**
 * IMA ADPCM (4 bits per sample), the compact audio codec of the embedded synthetic spoken-digit pool.
 * Each clip is coded on its own, starting from predictor 0 and step index 0; two samples per byte,
 * the first in the low nibble. Integer arithmetic only, so decoding is exact everywhere.
 */

const STEPS = Int32Array.from([
  7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66, 73, 80, 88, 97, 107, 118, 130,
  143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449, 494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282,
  1411, 1552, 1707, 1878, 2066, 2272, 2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493,
  10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
]);
const INDEX_SHIFT = Int32Array.from([-1, -1, -1, -1, 2, 4, 6, 8]);

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Reconstructs the difference that a nibble stands for at the given step (shared by coder and decoder). */
function delta(nibble: number, step: number): number {
  let d = step >> 3;
  if (nibble & 4) d += step;
  if (nibble & 2) d += step >> 1;
  if (nibble & 1) d += step >> 2;
  return nibble & 8 ? -d : d;
}

/**
 * Encodes 16-bit samples (integers in -32768..32767) as IMA ADPCM: ceil(n / 2) bytes.
 *
 * @example
 * const coded = encodeImaAdpcm(Int16Array.from([0, 1000, 2000]));
 */
export function encodeImaAdpcm(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(samples.length / 2));
  let predictor = 0;
  let index = 0;
  for (let i = 0; i < samples.length; i++) {
    const step = STEPS[index];
    let diff = samples[i] - predictor;
    let nibble = 0;
    if (diff < 0) {
      nibble = 8;
      diff = -diff;
    }
    if (diff >= step) {
      nibble |= 4;
      diff -= step;
    }
    if (diff >= step >> 1) {
      nibble |= 2;
      diff -= step >> 1;
    }
    if (diff >= step >> 2) nibble |= 1;
    predictor = clamp(predictor + delta(nibble, step), -32768, 32767);
    index = clamp(index + INDEX_SHIFT[nibble & 7], 0, 88);
    out[i >> 1] |= i & 1 ? nibble << 4 : nibble;
  }
  return out;
}

/**
 * Decodes `count` samples of IMA ADPCM into floats in [-1, 1).
 *
 * @example
 * const samples = decodeImaAdpcm(coded, 3);
 */
export function decodeImaAdpcm(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  let predictor = 0;
  let index = 0;
  for (let i = 0; i < count; i++) {
    const nibble = i & 1 ? bytes[i >> 1] >> 4 : bytes[i >> 1] & 15;
    predictor = clamp(predictor + delta(nibble, STEPS[index]), -32768, 32767);
    index = clamp(index + INDEX_SHIFT[nibble & 7], 0, 88);
    out[i] = predictor / 32768;
  }
  return out;
}
