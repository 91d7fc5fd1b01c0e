/**
 * Spoken digits alone as a dataset (modality `audiospec`), for audio baselines and domain-gap checks:
 * each recording's clean log-mel spectrogram, no noise, no pairing.
 */

import { Dataset } from './dataset.js';
import { LogMelSpectrogram } from './log-mel-spectrogram.js';
import type { SpokenDigit, SpokenDigitSplits } from './spoken-digit.js';

/**
 * Turns train/test recordings into `audiospec` datasets of S x S spectrograms.
 *
 * @example
 * const { train, test } = spokenDigitDatasets(await loadFsdd(), 28);
 * train.size; // 2700
 */
export function spokenDigitDatasets(splits: SpokenDigitSplits, specSize = 28, name = 'spoken-digits'): { train: Dataset; test: Dataset } {
  const sampleRate = splits.train[0]?.sampleRate ?? splits.test[0]?.sampleRate ?? 8000;
  const front = new LogMelSpectrogram({ sampleRate, size: specSize });
  const make = (recs: SpokenDigit[], split: string): Dataset => {
    const S2 = specSize * specSize;
    const data = new Float32Array(recs.length * S2);
    recs.forEach((r, i) => front.compute(r.samples, data, i * S2));
    return new Dataset({
      name: `${name}/${split}`,
      classes: 10,
      inputs: { audiospec: { data, shape: [recs.length, specSize, specSize] } },
      labels: Int32Array.from(recs, (r) => r.digit),
    });
  };
  return { train: make(splits.train, 'train'), test: make(splits.test, 'test') };
}
