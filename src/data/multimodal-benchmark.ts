/**
 * Loaders for CMU-MOSEI and UR-FUNNY (and any similar benchmark) from a documented neutral format:
 * a folder with `manifest.json` and, per split, one `.npz` archive or a set of `.npy` files.
 * These datasets are NOT available offline (no package ships them and they are too large to fetch):
 * users who have MultiBench's pickles convert them once (docs/datasets.md shows how).
 *
 * manifest.json:
 * ```json
 * {
 *   "format": "varmat-benchmark/1",
 *   "dataset": "mosei",                    // or "urfunny", or any name
 *   "preprocess": "mosei",                 // "mosei" | "urfunny" | "none" (default: by dataset)
 *   "classes": 2,
 *   "steps": 50,                           // MOSEI: pad/truncate length (default 50)
 *   "modalities": {                        // varmat name -> array name (+ optional stored [T, F])
 *     "feature1": { "array": "vision", "source": "vision", "shape": [50, 35] },
 *     "feature2": { "array": "audio", "source": "audio", "shape": [50, 74] },
 *     "feature3": { "array": "text", "source": "text", "shape": [50, 300] }
 *   },
 *   "labels": { "array": "labels" },
 *   "splits": {
 *     "train": { "file": "train.npz" },
 *     "val": { "file": "valid.npz" },
 *     "test": { "arrays": { "vision": "test_vision.npy", "audio": "test_audio.npy", "text": "test_text.npy", "labels": "test_labels.npy" } }
 *   }
 * }
 * ```
 * Every modality array is [N, T, F]; labels are [N] or [N, ...] (the first value per sample counts).
 */

import { VarmatError, fail } from '../errors.js';
import { preprocessMosei, preprocessUrFunny, type AffectSplit, type Sequence3 } from './affect-preprocess.js';
import { defaultDataIO, type DataIO } from './data-io.js';
import { Dataset, type DatasetSplits } from './dataset.js';
import { npyToFloat32, parseNpy, type NpyArray } from './npy.js';
import { parseNpz } from './npz.js';

/** One modality entry of a manifest. */
export interface ManifestModality {
  /** Name of the array in the split's files. */
  array: string;
  /** What it holds ('vision', 'audio', 'text'); MOSEI preprocessing needs the text one. */
  source?: string;
  /** Expected stored per-sample shape [T, F] (checked when given). */
  shape?: [number, number];
}

/** The neutral-format manifest (see the module comment). */
export interface BenchmarkManifest {
  format: 'varmat-benchmark/1';
  dataset: string;
  preprocess?: 'mosei' | 'urfunny' | 'none';
  classes: number;
  steps?: number;
  modalities?: Record<string, ManifestModality>;
  labels: { array: string };
  splits: Record<'train' | 'val' | 'test', { file: string } | { arrays: Record<string, string> }>;
}

/** The modality names and sources of VARMAT.md section 6.3, used when a manifest gives none. */
export const BENCHMARK_MODALITIES: Record<string, Record<string, ManifestModality>> = {
  mosei: {
    feature1: { array: 'vision', source: 'vision' },
    feature2: { array: 'audio', source: 'audio' },
    feature3: { array: 'text', source: 'text' },
  },
  urfunny: {
    feature3: { array: 'text', source: 'text' },
    feature4: { array: 'vision', source: 'vision' },
    feature5: { array: 'audio', source: 'audio' },
  },
};

/** Options of `loadBenchmark`. */
export interface LoadBenchmarkOptions {
  /** The folder holding manifest.json. */
  dir: string;
  io?: DataIO;
}

/** Loaded splits plus the manifest they came from. */
export interface Benchmark extends DatasetSplits {
  manifest: BenchmarkManifest;
}

function notOffline(dataset: string, dir: string, why: string): VarmatError {
  return new VarmatError(
    'IO',
    'loadBenchmark',
    `${dataset} is not available offline and was not found at '${dir}' (${why}): convert MultiBench's files to the neutral format (manifest.json + .npz/.npy) as docs/datasets.md shows, then pass { dir } / --dir <folder>`,
  );
}

/**
 * Loads a benchmark in the neutral format and applies its preprocessing.
 *
 * @example
 * const mosei = await loadBenchmark({ dir: '/data/mosei-varmat' });
 * mosei.train.sampleShape('feature3'); // [50, 300]
 */
export async function loadBenchmark(options: LoadBenchmarkOptions): Promise<Benchmark> {
  const op = 'loadBenchmark';
  const io = options.io ?? (await defaultDataIO());
  const dir = options.dir;
  const manifestPath = io.join(dir, 'manifest.json');
  if (!(await io.exists(manifestPath))) throw notOffline('the benchmark', dir, 'no manifest.json');
  let manifest: BenchmarkManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(await io.readFile(manifestPath))) as BenchmarkManifest;
  } catch (err) {
    throw new VarmatError('CORRUPT', op, `'${manifestPath}' is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.format !== 'varmat-benchmark/1') fail('CORRUPT', op, 'manifest.format', "'varmat-benchmark/1'", manifest.format);
  if (!Number.isInteger(manifest.classes) || manifest.classes < 2) fail('CORRUPT', op, 'manifest.classes', 'an integer >= 2', manifest.classes);
  const preprocess = manifest.preprocess ?? (manifest.dataset === 'mosei' ? 'mosei' : manifest.dataset === 'urfunny' ? 'urfunny' : 'none');
  const modalities = manifest.modalities ?? BENCHMARK_MODALITIES[manifest.dataset];
  if (modalities === undefined) fail('CORRUPT', op, 'manifest.modalities', 'a record of modalities (required for datasets other than mosei/urfunny)', undefined);
  const splits: Partial<Record<'train' | 'val' | 'test', Dataset>> = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const spec = manifest.splits?.[split];
    if (spec === undefined) fail('CORRUPT', op, `manifest.splits.${split}`, 'a { file } or { arrays } entry', undefined);
    let arrays: Record<string, NpyArray>;
    if ('file' in spec) {
      const path = io.join(dir, spec.file);
      if (!(await io.exists(path))) throw notOffline(manifest.dataset, dir, `missing '${spec.file}'`);
      arrays = await parseNpz(await io.readFile(path), spec.file);
    } else {
      arrays = {};
      for (const [k, file] of Object.entries(spec.arrays)) {
        const path = io.join(dir, file);
        if (!(await io.exists(path))) throw notOffline(manifest.dataset, dir, `missing '${file}'`);
        arrays[k] = parseNpy(await io.readFile(path), file);
      }
    }
    const seq: Record<string, Sequence3> = {};
    for (const [name, m] of Object.entries(modalities)) {
      const a = arrays[m.array];
      if (a === undefined) fail('CORRUPT', op, `${split}.${m.array}`, `an array (have ${Object.keys(arrays).join(', ')})`, undefined);
      if (a.shape.length !== 3) fail('SHAPE', op, `${split}.${m.array}`, 'shape [N, T, F]', a.shape);
      if (m.shape !== undefined && (a.shape[1] !== m.shape[0] || a.shape[2] !== m.shape[1])) {
        fail('SHAPE', op, `${split}.${m.array}`, `per-sample shape [${m.shape.join(', ')}] (manifest)`, a.shape.slice(1));
      }
      seq[name] = { data: npyToFloat32(a), shape: [a.shape[0], a.shape[1], a.shape[2]] };
    }
    const lab = arrays[manifest.labels.array];
    if (lab === undefined) fail('CORRUPT', op, `${split}.${manifest.labels.array}`, 'a labels array', undefined);
    const n = lab.shape[0] ?? 0;
    const labels = npyToFloat32(lab);
    const width = n === 0 ? 1 : labels.length / n;
    let out: AffectSplit;
    if (preprocess === 'mosei') {
      const textKey = Object.keys(modalities).find((k) => (modalities[k].source ?? modalities[k].array) === 'text');
      const audioKey = Object.keys(modalities).find((k) => (modalities[k].source ?? modalities[k].array) === 'audio');
      if (textKey === undefined) fail('CORRUPT', op, 'manifest.modalities', "a modality with source 'text' (MOSEI crops and drops by text)", Object.keys(modalities));
      out = preprocessMosei(seq, labels, width, audioKey !== undefined ? { text: textKey, audio: audioKey } : { text: textKey }, manifest.steps ?? 50);
    } else {
      // 'urfunny' and 'none' both keep the raw arrays.
      out = preprocessUrFunny(seq, labels, width);
    }
    splits[split] = new Dataset({
      name: `${manifest.dataset}/${split}`,
      classes: manifest.classes,
      inputs: Object.fromEntries(Object.entries(out.modalities).map(([k, v]) => [k, { data: v.data, shape: [...v.shape] }])),
      labels: out.labels,
      indices: out.indices,
    });
  }
  return { train: splits.train!, val: splits.val!, test: splits.test!, manifest };
}
