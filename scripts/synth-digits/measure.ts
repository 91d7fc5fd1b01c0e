/**
 * Measures the figures that docs/datasets.md reports:
 * - linear-probe (logistic regression) accuracy on spoken digits: FSDD train -> FSDD test, and the
 *   synthetic-to-real gap (synthetic pool train voices -> FSDD), at 28 x 28 and 112 x 112;
 * - AV-MNIST build times (full MultiBench sizes, no cache) and cached reload times;
 * - linear-probe accuracy of each AV-MNIST modality alone (full sizes, 28 x 28).
 *
 * Usage: npx tsx scripts/synth-digits/measure.ts [--skip-avmnist] [--with-112-build]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAvMnist } from '../../src/data/avmnist.js';
import { loadFsdd } from '../../src/data/fsdd.js';
import { probeAccuracy, trainLinearProbe } from '../../src/data/linear-probe.js';
import { spokenDigitDatasets } from '../../src/data/spoken-digit-dataset.js';
import { loadSynthPool } from '../../src/data/synth-pool.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function spokenDigits(): Promise<void> {
  const fsddRaw = await loadFsdd();
  const synthRaw = await loadSynthPool();
  console.log(`pool: ${synthRaw.train.length} train clips (${new Set(synthRaw.train.map((r) => r.speaker)).size} voice families), ${synthRaw.test.length} test clips (${new Set(synthRaw.test.map((r) => r.speaker)).size} families)`);
  for (const size of [28, 112]) {
    const t0 = Date.now();
    const fsdd = spokenDigitDatasets(fsddRaw, size, 'fsdd');
    const synth = spokenDigitDatasets(synthRaw, size, 'synth');
    const specMs = Date.now() - t0;
    const epochs = size === 28 ? 40 : 15;
    for (const seed of [0, 1, 2]) {
      const real = trainLinearProbe(fsdd.train.inputs.audiospec.data, fsdd.train.labels, 10, { epochs, seed });
      const fake = trainLinearProbe(synth.train.inputs.audiospec.data, synth.train.labels, 10, { epochs, seed });
      const fsddAll = new Float32Array([...[fsdd.train, fsdd.test].flatMap((d) => [d.inputs.audiospec.data])].reduce((n, a) => n + a.length, 0));
      fsddAll.set(fsdd.train.inputs.audiospec.data);
      fsddAll.set(fsdd.test.inputs.audiospec.data, fsdd.train.inputs.audiospec.data.length);
      const fsddAllLabels = Int32Array.from([...fsdd.train.labels, ...fsdd.test.labels]);
      console.log(
        `${size}x${size} probe seed ${seed}: FSDD->FSDD test ${pct(probeAccuracy(real.predict(fsdd.test.inputs.audiospec.data), fsdd.test.labels))}, ` +
          `synth->FSDD test ${pct(probeAccuracy(fake.predict(fsdd.test.inputs.audiospec.data), fsdd.test.labels))}, ` +
          `synth->FSDD all 3000 ${pct(probeAccuracy(fake.predict(fsddAll), fsddAllLabels))}, ` +
          `synth->synth held-out voices ${pct(probeAccuracy(fake.predict(synth.test.inputs.audiospec.data), synth.test.labels))} ` +
          `(spectrograms of 5,380 clips: ${specMs} ms)`,
      );
    }
  }
}

async function avmnist(with112: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'varmat-measure-'));
  try {
    for (const audio of ['fsdd', 'synth'] as const) {
      const t0 = Date.now();
      const av = await buildAvMnist({ audio, cache: dir });
      const total = Date.now() - t0;
      const t1 = Date.now();
      const again = await buildAvMnist({ audio, cache: dir });
      console.log(`${av.info.name} 28x28 full (55,000/5,000/10,000): build ${av.info.buildMs} ms (${total} ms with loading and cache write); cached reload ${Date.now() - t1} ms (fromCache ${again.fromCache})`);
      for (const m of av.train.modalities()) {
        const probe = trainLinearProbe(av.train.inputs[m].data, av.train.labels, 10, { epochs: 10 });
        console.log(`  linear probe ${m} alone: val ${pct(probeAccuracy(probe.predict(av.val.inputs[m].data), av.val.labels))}, test ${pct(probeAccuracy(probe.predict(av.test.inputs[m].data), av.test.labels))}`);
      }
    }
    if (with112) {
      const t0 = Date.now();
      const av = await buildAvMnist({ audio: 'fsdd', specSize: 112, cache: false });
      console.log(`avmnist 112x112 full: build ${av.info.buildMs} ms (${Date.now() - t0} ms total)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await spokenDigits();
if (!process.argv.includes('--skip-avmnist')) await avmnist(process.argv.includes('--with-112-build'));
