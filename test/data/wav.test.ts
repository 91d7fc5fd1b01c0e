import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { encodeWav16, parseWav } from '../../src/data/wav.js';

function wav(format: number, channels: number, bits: number, rate: number, body: Uint8Array, extraChunk = false): Uint8Array {
  const extra = extraChunk ? 8 + 3 + 1 : 0; // a 'LIST' chunk of odd length 3 (+1 pad byte)
  const out = new Uint8Array(44 + extra + body.length);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  tag(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  let at = 36;
  if (extraChunk) {
    tag(at, 'LIST');
    v.setUint32(at + 4, 3, true);
    at += 12;
  }
  tag(at, 'data');
  v.setUint32(at + 4, body.length, true);
  out.set(body, at + 8);
  return out;
}

describe('parseWav', () => {
  it('round-trips 16-bit PCM mono', () => {
    const samples = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 5) * 0.5);
    const back = parseWav(encodeWav16(samples, 8000));
    expect(back.sampleRate).toBe(8000);
    expect(back.channels).toBe(1);
    expect(back.samples.length).toBe(100);
    for (let i = 0; i < 100; i++) expect(back.samples[i]).toBeCloseTo(samples[i], 4);
  });

  it('reads 8-bit, 24-bit, float32 and stereo (mixed down), skipping odd-sized chunks', () => {
    expect(Array.from(parseWav(wav(1, 1, 8, 8000, Uint8Array.of(128, 255, 0))).samples)).toEqual([0, 127 / 128, -1]);
    const s24 = parseWav(wav(1, 1, 24, 8000, Uint8Array.of(0, 0, 0x40, 0, 0, 0xc0), true)).samples;
    expect(Array.from(s24)).toEqual([0.5, -0.5]);
    const f = new Float32Array([0.25, -0.75]);
    expect(Array.from(parseWav(wav(3, 1, 32, 8000, new Uint8Array(f.buffer))).samples)).toEqual([0.25, -0.75]);
    const st = new Int16Array([16384, 0, -16384, -16384]);
    expect(Array.from(parseWav(wav(1, 2, 16, 8000, new Uint8Array(st.buffer))).samples)).toEqual([0.25, -0.5]);
  });

  it('gives clear errors for non-WAV, unsupported and truncated files', () => {
    expect(() => parseWav(new TextEncoder().encode('not a wav file at all'), 'x.wav')).toThrow(/x\.wav: expected a 'RIFF'/);
    const adpcm = wav(2, 1, 4, 8000, new Uint8Array(4));
    try {
      parseWav(adpcm, 'a.wav');
      expect.unreachable();
    } catch (err) {
      expect((err as VarmatError).code).toBe('VALUE');
      expect((err as Error).message).toMatch(/format code 2 with 4 bits/);
    }
    const full = encodeWav16(new Float32Array(50), 8000);
    expect(() => parseWav(full.subarray(0, 60), 't.wav')).toThrow(/truncated/);
  });
});
