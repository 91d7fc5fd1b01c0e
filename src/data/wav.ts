/**
 * A reader for RIFF/WAVE files: integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 bits, any
 * number of channels (mixed down to mono by averaging). Anything else is a clear error. Platform-free.
 */

import { VarmatError } from '../errors.js';

/** Decoded audio: mono samples in [-1, 1] and the sample rate in Hz. */
export interface WavAudio {
  sampleRate: number;
  /** The channel count of the file, before the mixdown. */
  channels: number;
  samples: Float32Array;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/**
 * Parses a WAV file into mono float samples. `name` only labels error messages.
 *
 * @example
 * const { sampleRate, samples } = parseWav(bytes, '0_george_0.wav'); // 8000, Float32Array
 */
export function parseWav(bytes: Uint8Array, name = 'WAV file'): WavAudio {
  const op = 'parseWav';
  const corrupt = (what: string): never => {
    throw new VarmatError('CORRUPT', op, `${name}: ${what}`);
  };
  if (bytes.length < 12) corrupt(`expected at least 12 bytes, received ${bytes.length}`);
  if (fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    corrupt(`expected a 'RIFF'...'WAVE' header, received '${fourcc(bytes, 0)}'...'${fourcc(bytes, 8)}'`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format = -1;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let blockAlign = 0;
  let dataAt = -1;
  let dataLen = 0;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    const len = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (len < 16 || body + len > bytes.length) corrupt(`'fmt ' chunk of ${len} bytes is too short or truncated`);
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      blockAlign = view.getUint16(body + 12, true);
      bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && len >= 26) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
    } else if (id === 'data') {
      dataAt = body;
      dataLen = len;
      if (body + len > bytes.length) corrupt(`'data' chunk declares ${len} bytes, only ${bytes.length - body} present (truncated file)`);
      break;
    }
    at = body + len + (len & 1);
  }
  if (format === -1) corrupt("no 'fmt ' chunk before the 'data' chunk");
  if (dataAt === -1) corrupt("no 'data' chunk");
  const pcm = format === 1 && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const float = format === 3 && bits === 32;
  if (!pcm && !float) {
    throw new VarmatError(
      'VALUE',
      op,
      `${name}: argument 'format' expected integer PCM of 8/16/24/32 bits or float32, received format code ${format} with ${bits} bits`,
    );
  }
  if (channels < 1 || sampleRate < 1) corrupt(`expected channels >= 1 and a positive sample rate, received ${channels} and ${sampleRate}`);
  const width = bits / 8;
  if (blockAlign !== width * channels) corrupt(`expected block align ${width * channels}, received ${blockAlign}`);
  const frames = Math.floor(dataLen / blockAlign);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const o = dataAt + (i * channels + c) * width;
      let v: number;
      if (float) v = view.getFloat32(o, true);
      else if (bits === 16) v = view.getInt16(o, true) / 32768;
      else if (bits === 8) v = (bytes[o] - 128) / 128;
      else if (bits === 24) v = (((bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16)) << 8) >> 8) / 8388608;
      else v = view.getInt32(o, true) / 2147483648;
      sum += v;
    }
    samples[i] = sum / channels;
  }
  return { sampleRate, channels, samples };
}

/**
 * Encodes mono samples in [-1, 1] as a 16-bit PCM WAV file (values outside are clipped).
 *
 * @example
 * const bytes = encodeWav16(new Float32Array(8000), 8000);
 */
export function encodeWav16(samples: ArrayLike<number>, sampleRate: number): Uint8Array {
  const n = samples.length;
  const out = new Uint8Array(44 + 2 * n);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + 2 * n, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(v * 32768))), true);
  }
  return out;
}
