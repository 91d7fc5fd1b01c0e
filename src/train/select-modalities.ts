import { fail } from '../errors.js';
import { Dataset } from '../data/dataset.js';

/**
 * The same samples with only some modalities (for single-modality baselines). Arrays are shared,
 * not copied.
 *
 * @example
 * const imageOnly = vm.train.selectModalities(splits.train, ['colorlessimage']);
 */
export function selectModalities(dataset: Dataset, names: readonly string[]): Dataset {
  if (names.length === 0) fail('VALUE', 'selectModalities', 'names', 'at least one modality', names);
  const inputs: Dataset['inputs'] = {};
  for (const n of names) {
    const m = dataset.inputs[n];
    if (m === undefined) fail('VALUE', 'selectModalities', 'names', `modalities of ${dataset.name} (${Object.keys(dataset.inputs).join(', ')})`, n);
    (inputs as Record<string, (typeof m)>)[n] = m;
  }
  return new Dataset({ name: dataset.name, inputs, labels: dataset.labels, classes: dataset.classes, indices: dataset.indices, meta: { ...dataset.meta } });
}
