/**
 * Generates the embedded synthetic spoken-digit pool in `data/synth-digits/` ONCE, with Debian's
 * `espeak-ng` (about 100 voice variants x 8 English accents, random rate and pitch) and `flite`
 * (its 5 built-in voices, random duration and pitch), post-processed by `sox` (8 kHz mono, silence
 * trimmed like FSDD, a random band limit, peak-normalised) and stored as IMA ADPCM + a JSON index.
 *
 * The split is by voice: voice families (variants that share a name stem, e.g. klatt..klatt6, and
 * flite's kal/kal16) are assigned whole to train or test. CI never runs this; the output is committed.
 *
 * Usage (needs `apt-get install -y espeak-ng flite sox`):
 *   npx tsx scripts/synth-digits/generate.ts [--out data/synth-digits]
 * It prints the SHA-256 of index.json: paste it into SYNTH_POOL_INDEX_SHA256 in src/data/synth-pool.ts.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Rng } from '../../src/random.js';
import { encodeImaAdpcm } from '../../src/data/ima-adpcm.js';
import { parseWav } from '../../src/data/wav.js';
import { sha256Hex } from '../../src/data/sha256.js';

const SEED = 20251125;
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const ACCENTS = ['en', 'en-us', 'en-gb-scotland', 'en-gb-x-gbclan', 'en-gb-x-rp', 'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc'];
/** espeak-ng 1.51 variants (voices/!v), minus 'fast' (a rate preset) and 'Mr serious' (a space in its name). */
const ESPEAK_VARIANTS = (
  'Alex Alicia Andrea Andy Annie AnxiousAndy Demonic Denis Diogo Gene Gene2 Henrique Hugo Jacky Lee Marco Mario Michael ' +
  'Mike Nguyen RicishayMax RicishayMax2 RicishayMax3 Storm Tweaky UniRobot adam anika anikaRobot announcer antonio aunty ' +
  'belinda benjamin boris caleb croak david ed edward edward2 f1 f2 f3 f4 f5 grandma grandpa gustave iven iven2 iven3 iven4 ' +
  'john kaukovalta klatt klatt2 klatt3 klatt4 klatt5 klatt6 linda m1 m2 m3 m4 m5 m6 m7 m8 marcelo max michel miguel norbert ' +
  'pablo paul pedro quincy rob robert robosoft robosoft2 robosoft3 robosoft4 robosoft5 robosoft6 robosoft7 robosoft8 sandro ' +
  'shelby steph steph2 steph3 travis victor whisper whisperf zac'
).split(' ');
/** flite voices and their base pitch (Hz); kal and kal16 are one speaker. */
const FLITE_VOICES: Record<string, number> = { kal: 105, kal16: 105, awb: 130, rms: 110, slt: 170 };
const ESPEAK_TAKES = 2; // recordings per variant and digit
const FLITE_TAKES = 8; // recordings per flite voice and digit
const TEST_FRACTION = 0.2;

/** A voice family: the unit of the train/test split. */
interface Family {
  name: string;
  engine: 'espeak-ng' | 'flite';
  members: string[];
}

function familyOf(variant: string): string {
  if (variant === 'anikaRobot') return 'anika';
  if (variant === 'whisperf') return 'whisper';
  if (variant === 'kal16') return 'kal';
  return variant.replace(/[0-9]+$/, '');
}

function families(): Family[] {
  const map = new Map<string, Family>();
  const add = (engine: Family['engine'], v: string) => {
    const key = `${engine === 'flite' ? 'flite' : 'espeak'}:${familyOf(v)}`;
    if (!map.has(key)) map.set(key, { name: key, engine, members: [] });
    map.get(key)!.members.push(v);
  };
  for (const v of ESPEAK_VARIANTS) add('espeak-ng', v);
  for (const v of Object.keys(FLITE_VOICES)) add('flite', v);
  return [...map.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const outDir = resolve(outArg >= 0 ? process.argv[outArg + 1] : 'data/synth-digits');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'synth-digits-'));
  const rng = new Rng(SEED);
  const fams = families();
  // Split: shuffle the families of each engine and send the first ~20% (at least one) to test.
  const split = new Map<string, 'train' | 'test'>();
  for (const engine of ['espeak-ng', 'flite'] as const) {
    const fs = rng.shuffle(fams.filter((f) => f.engine === engine));
    const total = fs.reduce((s, f) => s + f.members.length, 0);
    let inTest = 0;
    for (const f of fs) {
      const toTest = inTest === 0 || inTest + f.members.length <= TEST_FRACTION * total;
      split.set(f.name, toTest ? 'test' : 'train');
      if (toTest) inTest += f.members.length;
    }
  }
  const voices = fams.map((f) => ({ name: f.name, engine: f.engine, split: split.get(f.name)!, members: f.members }));
  const digits: number[] = [];
  const voiceIdx: number[] = [];
  const lengths: number[] = [];
  const settings: string[] = [];
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  const raw = join(tmp, 'raw.wav');
  const clean = join(tmp, 'clean.wav');
  for (let vi = 0; vi < voices.length; vi++) {
    const voice = voices[vi];
    for (const member of voice.members) {
      const takes = voice.engine === 'flite' ? FLITE_TAKES : ESPEAK_TAKES;
      for (let digit = 0; digit < 10; digit++) {
        for (let take = 0; take < takes; take++) {
          let setting: string;
          if (voice.engine === 'espeak-ng') {
            const accent = ACCENTS[rng.int(ACCENTS.length)];
            const rate = Math.round(uniform(rng, 110, 200));
            const pitch = Math.round(uniform(rng, 20, 80));
            execFileSync('espeak-ng', ['-v', `${accent}+${member}`, '-s', String(rate), '-p', String(pitch), '-w', raw, WORDS[digit]]);
            setting = `espeak-ng -v ${accent}+${member} -s ${rate} -p ${pitch}`;
          } else {
            const stretch = uniform(rng, 0.85, 1.4).toFixed(2);
            const f0 = Math.round(FLITE_VOICES[member] * uniform(rng, 0.8, 1.25));
            execFileSync('flite', ['-voice', member, '--setf', `duration_stretch=${stretch}`, '--setf', `int_f0_target_mean=${f0}`, '-t', WORDS[digit], '-o', raw]);
            setting = `flite -voice ${member} duration_stretch=${stretch} int_f0_target_mean=${f0}`;
          }
          const hp = Math.round(uniform(rng, 60, 300));
          const lp = Math.round(uniform(rng, 2800, 3900));
          execFileSync('sox', [
            '-V1', '-D', raw, '-r', '8000', '-b', '16', '-c', '1', clean,
            'silence', '1', '0.01', '1%', 'reverse', 'silence', '1', '0.01', '1%', 'reverse',
            'vol', '0.5', 'highpass', String(hp), 'lowpass', String(lp), 'gain', '-n', '-1',
          ]);
          const wav = parseWav(new Uint8Array(readFileSync(clean)), clean);
          if (wav.sampleRate !== 8000) throw new Error(`sox produced ${wav.sampleRate} Hz`);
          const pcm = Int16Array.from(wav.samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
          const coded = encodeImaAdpcm(pcm);
          chunks.push(coded);
          totalBytes += coded.length;
          digits.push(digit);
          voiceIdx.push(vi);
          lengths.push(pcm.length);
          settings.push(`${setting} highpass ${hp} lowpass ${lp}`);
        }
      }
    }
    process.stdout.write(`\r${vi + 1}/${voices.length} voices, ${digits.length} clips, ${totalBytes} bytes`);
  }
  rmSync(tmp, { recursive: true, force: true });
  const blob = new Uint8Array(totalBytes);
  let at = 0;
  for (const c of chunks) {
    blob.set(c, at);
    at += c.length;
  }
  const index = {
    format: 'varmat-synth-digits/1',
    description: 'Synthetic spoken digits 0-9 for AV-MNIST (avmnist-synth), split by voice family.',
    provenance: 'Synthesized once with Debian 12 espeak-ng and flite and their built-in voices, post-processed with sox; see docs/datasets.md.',
    sampleRate: 8000,
    codec: 'ima-adpcm-4bit',
    audioFile: 'audio.bin',
    audioBytes: blob.length,
    audioSha256: await sha256Hex(blob),
    generator: {
      script: 'scripts/synth-digits/generate.ts',
      seed: SEED,
      tools: { 'espeak-ng': version('espeak-ng', ['--version']), flite: version('flite', ['--version']), sox: version('sox', ['--version']) },
    },
    voices,
    items: { digit: digits, voice: voiceIdx, samples: lengths, setting: settings },
  };
  const json = new TextEncoder().encode(`${JSON.stringify(index)}\n`);
  writeFileSync(join(outDir, 'audio.bin'), blob);
  writeFileSync(join(outDir, 'index.json'), json);
  const trainVoices = voices.filter((v) => v.split === 'train').length;
  process.stdout.write(
    `\nwrote ${outDir}: ${digits.length} clips, ${voices.length} voice families (${trainVoices} train, ${voices.length - trainVoices} test), ` +
      `audio.bin ${blob.length} bytes, index.json ${json.length} bytes\nSYNTH_POOL_INDEX_SHA256 = '${await sha256Hex(json)}'\n`,
  );
}

await main();
