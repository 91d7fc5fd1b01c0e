/**
 * Seeded background noise for AV-MNIST audio, mixed into the waveform at a chosen signal-to-noise
 * ratio. The noise is uniform white noise passed through a one-pole low-pass filter
 * n[t] = color * n[t-1] + w[t], so `color` = 0 gives white noise and values near 1 a rumble; the
 * builder draws both the SNR and the colour per pair. Deterministic on every platform.
 */

import { fail } from '../errors.js';
import type { Rng } from '../random.js';
import { detPow10 } from './det-math.js';

/**
 * Returns `samples` plus noise scaled so that mean(signal^2) / mean(noise^2) = 10^(snrDb / 10).
 * A silent input comes back unchanged. `rng` is advanced by one draw per sample.
 *
 * @example
 * const noisy = mixNoise(clip, 5, 0.5, new Rng(1)); // 5 dB SNR, mildly low-passed noise
 */
export function mixNoise(samples: Float32Array, snrDb: number, color: number, rng: Rng): Float32Array {
  if (!Number.isFinite(snrDb)) fail('VALUE', 'mixNoise', 'snrDb', 'a finite number', snrDb);
  if (!(color >= 0 && color < 1)) fail('VALUE', 'mixNoise', 'color', 'a number in [0, 1)', color);
  const n = samples.length;
  const noise = new Float64Array(n);
  let prev = 0;
  let noisePower = 0;
  let signalPower = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.nextUint32() / 2147483648 - 1;
    prev = color * prev + w;
    noise[i] = prev;
    noisePower += prev * prev;
    signalPower += samples[i] * samples[i];
  }
  const out = new Float32Array(n);
  if (signalPower === 0 || noisePower === 0) {
    out.set(samples);
    return out;
  }
  const gain = Math.sqrt(signalPower / (noisePower * detPow10(snrDb / 10)));
  for (let i = 0; i < n; i++) out[i] = samples[i] + gain * noise[i];
  return out;
}
