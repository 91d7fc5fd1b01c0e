/**
 * Named datasets: `avmnist` (MNIST + FSDD), `avmnist-synth` (MNIST + the embedded synthetic pool),
 * `mosei` and `urfunny` (neutral-format folders that the user provides; not available offline).
 */

import { VarmatError, fail } from '../errors.js';
import { buildAvMnist, type AvMnistOptions } from './avmnist.js';
import type { DatasetSplits } from './dataset.js';
import { loadBenchmark } from './multimodal-benchmark.js';

/** The names `loadDataset` knows. */
export const DATASET_NAMES = ['avmnist', 'avmnist-synth', 'mosei', 'urfunny'] as const;

/** A dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Options of `loadDataset`: the AV-MNIST options, plus `dir` for the benchmarks in neutral format. */
export interface LoadDatasetOptions extends Omit<AvMnistOptions, 'audio'> {
  /** Folder holding manifest.json (mosei, urfunny). */
  dir?: string;
}

/** Splits of a named dataset and a JSON-friendly description of how they were made. */
export interface NamedDataset extends DatasetSplits {
  name: DatasetName;
  info: Record<string, unknown>;
}

/**
 * Loads a dataset by name.
 *
 * @example
 * const ds = await loadDataset('avmnist-synth', { sizes: { train: 2000, val: 500, test: 1000 } });
 */
export async function loadDataset(name: string, options: LoadDatasetOptions = {}): Promise<NamedDataset> {
  const op = 'loadDataset';
  if (name === 'avmnist' || name === 'avmnist-synth') {
    const { dir, ...rest } = options;
    if (dir !== undefined) fail('OPTION', op, 'dir', `no 'dir' for ${name} (use fsddDir / synthDir / mnistDir)`, dir);
    const av = await buildAvMnist({ ...rest, audio: name === 'avmnist' ? 'fsdd' : 'synth' });
    return { name, train: av.train, val: av.val, test: av.test, info: { ...av.info, fromCache: av.fromCache, cachePath: av.cachePath ?? null } };
  }
  if (name === 'mosei' || name === 'urfunny') {
    if (options.dir === undefined) {
      throw new VarmatError(
        'IO',
        op,
        `${name} is not available offline: convert MultiBench's ${name === 'mosei' ? 'mosei_senti_data.pkl' : 'humor.pkl'} to the neutral format (docs/datasets.md) and pass { dir } / --dir <folder>`,
      );
    }
    const b = await loadBenchmark({ dir: options.dir, ...(options.io !== undefined ? { io: options.io } : {}) });
    if (b.manifest.dataset !== name) fail('VALUE', op, 'manifest.dataset', `'${name}'`, b.manifest.dataset);
    return { name, train: b.train, val: b.val, test: b.test, info: { dir: options.dir, preprocess: b.manifest.preprocess ?? name } };
  }
  return fail('VALUE', op, 'name', `one of ${DATASET_NAMES.join(', ')}`, name);
}
