/**
 * The embedded synthetic spoken-digit pool (`data/synth-digits/`): clips of the digits 0-9 spoken by
 * espeak-ng and flite voices, made once by `scripts/synth-digits/generate.ts` and committed. `index.json`
 * describes the clips and voices; `audio.bin` holds the clips back to back as IMA ADPCM (8 kHz).
 * The split is by voice family: no voice appears in both train and test. Both files are checked:
 * `index.json` against `SYNTH_POOL_INDEX_SHA256` below, `audio.bin` against the SHA-256 in the index.
 */

import { VarmatError } from '../errors.js';
import { defaultDataIO, type DataIO } from './data-io.js';
import { decodeImaAdpcm } from './ima-adpcm.js';
import { sha256Hex, verifySha256 } from './sha256.js';
import type { SpokenDigit, SpokenDigitSplits } from './spoken-digit.js';

/** SHA-256 of the committed `data/synth-digits/index.json` (printed by the generator). */
export const SYNTH_POOL_INDEX_SHA256 = '68ead9bdfb8da276e05da8e8552c40581ea7d29e4efb9f8c7e866e7e228ac891';

/** A voice family of the pool. */
export interface SynthVoice {
  /** e.g. 'espeak:klatt' or 'flite:kal'. */
  name: string;
  engine: 'espeak-ng' | 'flite';
  split: 'train' | 'test';
  /** The engine voices in the family, e.g. ['klatt', 'klatt2', ...]. */
  members: string[];
}

/** The pool's index file, as the generator writes it. */
export interface SynthPoolIndex {
  format: 'varmat-synth-digits/1';
  sampleRate: number;
  codec: 'ima-adpcm-4bit';
  audioFile: string;
  audioBytes: number;
  audioSha256: string;
  voices: SynthVoice[];
  items: { digit: number[]; voice: number[]; samples: number[]; setting: string[] };
}

/** The decoded pool: spoken digits by split, and the voice families. */
export interface SynthPool extends SpokenDigitSplits {
  voices: SynthVoice[];
}

/** Options of `loadSynthPool`. */
export interface LoadSynthPoolOptions {
  /** Folder with `index.json` and `audio.bin` (default: `data/synth-digits` of the varmat package). */
  dir?: string;
  io?: DataIO;
  /** SHA-256 that `index.json` must have (default `SYNTH_POOL_INDEX_SHA256`; '' skips the check). */
  indexSha256?: string;
}

/**
 * Decodes the pool from the bytes of its two files (platform-free; checks the audio's SHA-256).
 *
 * @example
 * const pool = await parseSynthPool(indexBytes, audioBytes);
 */
export async function parseSynthPool(indexBytes: Uint8Array, audioBytes: Uint8Array): Promise<SynthPool> {
  const op = 'parseSynthPool';
  let index: SynthPoolIndex;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes)) as SynthPoolIndex;
  } catch (err) {
    throw new VarmatError('CORRUPT', op, `index.json is not valid JSON: ${(err as Error).message}`);
  }
  if (index.format !== 'varmat-synth-digits/1' || index.codec !== 'ima-adpcm-4bit') {
    throw new VarmatError('CORRUPT', op, `index.json: expected format 'varmat-synth-digits/1' with codec 'ima-adpcm-4bit', received '${index.format}' with '${index.codec}'`);
  }
  if (audioBytes.length !== index.audioBytes) {
    throw new VarmatError('CORRUPT', op, `${index.audioFile}: expected ${index.audioBytes} bytes, received ${audioBytes.length}`);
  }
  await verifySha256(audioBytes, index.audioSha256, op, index.audioFile);
  const { digit, voice, samples } = index.items;
  const train: SpokenDigit[] = [];
  const test: SpokenDigit[] = [];
  let at = 0;
  for (let i = 0; i < digit.length; i++) {
    const v = index.voices[voice[i]];
    const bytes = Math.ceil(samples[i] / 2);
    const rec: SpokenDigit = {
      id: `synth:${i}`,
      digit: digit[i],
      speaker: v.name,
      sampleRate: index.sampleRate,
      samples: decodeImaAdpcm(audioBytes.subarray(at, at + bytes), samples[i]),
    };
    at += bytes;
    (v.split === 'test' ? test : train).push(rec);
  }
  if (at !== audioBytes.length) throw new VarmatError('CORRUPT', op, `index.json accounts for ${at} audio bytes, ${index.audioFile} has ${audioBytes.length}`);
  return { train, test, voices: index.voices, fingerprint: index.audioSha256 };
}

/**
 * Loads the embedded pool, verifying both files.
 *
 * @example
 * const pool = await loadSynthPool();
 * pool.voices.filter((v) => v.split === 'test').length; // the held-out voice families
 */
export async function loadSynthPool(options: LoadSynthPoolOptions = {}): Promise<SynthPool> {
  const op = 'loadSynthPool';
  const io = options.io ?? (await defaultDataIO());
  const dir = options.dir ?? io.locations.synthDir;
  if (dir === undefined) throw new VarmatError('IO', op, 'cannot locate the varmat package folder data/synth-digits: pass { dir }');
  const indexBytes = await io.readFile(io.join(dir, 'index.json'));
  const want = options.indexSha256 ?? SYNTH_POOL_INDEX_SHA256;
  if (want !== '') await verifySha256(indexBytes, want, op, `'${io.join(dir, 'index.json')}'`);
  const audioFile = (JSON.parse(new TextDecoder().decode(indexBytes)) as { audioFile?: string }).audioFile ?? 'audio.bin';
  const pool = await parseSynthPool(indexBytes, await io.readFile(io.join(dir, audioFile)));
  // Fingerprint covers both files.
  return { ...pool, fingerprint: await sha256Hex(indexBytes) };
}
