/**
 * The Free Spoken Digit Dataset (FSDD; Zohar Jackson et al., CC BY-SA 4.0): 3,000 recordings
 * `{digit}_{speaker}_{index}.wav` at 8 kHz, 6 speakers, 50 per digit per speaker. The official split
 * puts indices 0-4 in test (300) and 5-49 in train (2,700). varmat never ships FSDD; it reads a copy
 * from `../shared/fsdd` beside the repository, `$VARMAT_FSDD`, or the `dir` option.
 */

import { VarmatError } from '../errors.js';
import { defaultDataIO, type DataIO } from './data-io.js';
import { sha256Hex } from './sha256.js';
import type { SpokenDigit, SpokenDigitSplits } from './spoken-digit.js';
import { parseWav } from './wav.js';

/** Options of `loadFsdd`. */
export interface LoadFsddOptions {
  /** The FSDD folder (holding `recordings/`), or the `recordings/` folder itself. */
  dir?: string;
  io?: DataIO;
  /** Check each file against `SHA256SUMS` when the folder has one (default true). */
  verify?: boolean;
}

const NAME = /^([0-9])_([A-Za-z0-9-]+)_([0-9]+)\.wav$/;

/** Where-to-put-FSDD advice, appended to every "not found" error. */
export const FSDD_HELP =
  'the avmnist dataset needs the Free Spoken Digit Dataset (https://github.com/Jakobovski/free-spoken-digit-dataset, CC BY-SA 4.0): ' +
  "put its 'recordings/' folder at '../shared/fsdd/recordings' beside the varmat repository, or set VARMAT_FSDD, or pass { fsddDir } / --fsdd <dir>; " +
  "'avmnist-synth' works without it";

/**
 * Whether a recording belongs to the official FSDD test split (index 0-4).
 *
 * @example
 * isFsddTest('3_theo_4.wav'); // true
 */
export function isFsddTest(fileName: string): boolean {
  const m = NAME.exec(fileName);
  return m !== null && Number(m[3]) <= 4;
}

/**
 * Loads FSDD and splits it officially (index 0-4 test, 5-49 train). Files are decoded with our WAV
 * reader; when the folder has a `SHA256SUMS` file, every recording is checked against it.
 *
 * @example
 * const fsdd = await loadFsdd();
 * fsdd.train.length; // 2700
 */
export async function loadFsdd(options: LoadFsddOptions = {}): Promise<SpokenDigitSplits> {
  const op = 'loadFsdd';
  const io = options.io ?? (await defaultDataIO());
  const base = options.dir ?? io.locations.fsddDir;
  if (base === undefined) throw new VarmatError('IO', op, `no FSDD folder configured: ${FSDD_HELP}`);
  let recDir = io.join(base, 'recordings');
  let sumsPath = io.join(base, 'SHA256SUMS');
  if (!(await io.exists(recDir))) {
    if (!(await io.exists(base))) throw new VarmatError('IO', op, `FSDD folder '${base}' does not exist: ${FSDD_HELP}`);
    recDir = base;
    sumsPath = io.join(base, '..', 'SHA256SUMS');
  }
  const names = (await io.listDir(recDir)).filter((n) => n.endsWith('.wav'));
  if (names.length === 0) throw new VarmatError('IO', op, `no .wav files in '${recDir}': ${FSDD_HELP}`);
  const sums = new Map<string, string>();
  if (options.verify !== false && (await io.exists(sumsPath))) {
    const text = new TextDecoder().decode(await io.readFile(sumsPath));
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
      if (m) sums.set(m[2].replace(/^recordings\//, ''), m[1]);
    }
  }
  const train: SpokenDigit[] = [];
  const test: SpokenDigit[] = [];
  const hashes: string[] = [];
  // Read in batches of 64 so that a few thousand files do not open at once.
  for (let i = 0; i < names.length; i += 64) {
    const batch = names.slice(i, i + 64);
    const loaded = await Promise.all(
      batch.map(async (name) => {
        const m = NAME.exec(name);
        if (m === null) {
          throw new VarmatError('CORRUPT', op, `argument 'file name' expected '{digit}_{speaker}_{index}.wav', received '${name}' in '${recDir}'`);
        }
        const bytes = await io.readFile(io.join(recDir, name));
        const hash = await sha256Hex(bytes);
        const want = sums.get(name);
        if (want !== undefined && want !== hash) {
          throw new VarmatError('CORRUPT', op, `checksum of '${name}' expected SHA-256 ${want} (from SHA256SUMS), received ${hash}: the file is corrupt`);
        }
        const wav = parseWav(bytes, name);
        const rec: SpokenDigit = { id: name.slice(0, -4), digit: Number(m[1]), speaker: m[2], sampleRate: wav.sampleRate, samples: wav.samples };
        return { rec, test: Number(m[3]) <= 4, hash: `${name} ${hash}` };
      }),
    );
    for (const l of loaded) {
      (l.test ? test : train).push(l.rec);
      hashes.push(l.hash);
    }
  }
  const fingerprint = await sha256Hex(new TextEncoder().encode(hashes.join('\n')));
  return { train, test, fingerprint };
}
