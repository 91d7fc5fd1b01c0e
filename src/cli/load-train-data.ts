import { loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { formatDuration } from '../train/progress.js';
import { selectModalities } from '../train/select-modalities.js';
import type { TrainArgs } from './train-command.js';

/**
 * Loads the dataset named by parsed `varmat train` arguments, keeps only `--modalities` when given,
 * and prints the split sizes with the time since `started` (a `performance.now()` value).
 *
 * @example
 * const ds = await loadTrainData(parseTrainArgs(args), performance.now());
 */
export async function loadTrainData(a: TrainArgs, started: number): Promise<{ train: Dataset; val: Dataset; test: Dataset }> {
  const loaded = await loadDataset(a.data, a.dataOptions);
  const keep = a.modalities;
  const ds = keep ? { train: selectModalities(loaded.train, keep), val: selectModalities(loaded.val, keep), test: selectModalities(loaded.test, keep) } : loaded;
  console.log(`data: train ${ds.train.size}, val ${ds.val.size}, test ${ds.test.size} (${formatDuration((performance.now() - started) / 1000)})`);
  return ds;
}
