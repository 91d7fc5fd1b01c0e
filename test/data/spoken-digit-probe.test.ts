import { describe, expect, it } from 'vitest';
import { loadFsdd } from '../../src/data/fsdd.js';
import { probeAccuracy, trainLinearProbe } from '../../src/data/linear-probe.js';
import { spokenDigitDatasets } from '../../src/data/spoken-digit-dataset.js';
import { loadSynthPool } from '../../src/data/synth-pool.js';

// Logistic regression on 28 x 28 log-mel spectrograms (docs/datasets.md reports the full figures).
describe('spoken digits are learnable from our spectrograms', () => {
  it('FSDD train -> FSDD test is far above chance; synthetic -> FSDD is above chance but lower (the gap)', async () => {
    const fsdd = spokenDigitDatasets(await loadFsdd(), 28, 'fsdd');
    const synth = spokenDigitDatasets(await loadSynthPool(), 28, 'synth');
    const real = trainLinearProbe(fsdd.train.inputs.audiospec.data, fsdd.train.labels, 10, { epochs: 30 });
    const realAcc = probeAccuracy(real.predict(fsdd.test.inputs.audiospec.data), fsdd.test.labels);
    expect(realAcc).toBeGreaterThan(0.85);
    const fake = trainLinearProbe(synth.train.inputs.audiospec.data, synth.train.labels, 10, { epochs: 30 });
    const gapAcc = probeAccuracy(fake.predict(fsdd.test.inputs.audiospec.data), fsdd.test.labels);
    expect(gapAcc).toBeGreaterThan(0.3);
    expect(gapAcc).toBeLessThan(realAcc);
    const heldOutVoices = probeAccuracy(fake.predict(synth.test.inputs.audiospec.data), synth.test.labels);
    expect(heldOutVoices).toBeGreaterThan(0.6);
  });
});
