/**
 * `varmat data ...`: dataset commands.
 *
 *   varmat data info <name> [options]   sizes, shapes and class balance of each split
 *
 * Options: --train N --val N --test N (first N samples; default the full splits), --spec-size S,
 * --seed N, --snr LO,HI | none, --pca FRACTION (0 = off), --fsdd DIR, --synth DIR, --mnist DIR,
 * --dir DIR (mosei, urfunny), --no-cache, --probe (fit a linear probe per modality and report accuracy).
 */

import { VarmatError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { probeAccuracy, trainLinearProbe } from '../data/linear-probe.js';
import { DATASET_NAMES, loadDataset, type LoadDatasetOptions } from '../data/registry.js';

const USAGE = `usage: varmat data info <name> [options]
  names: ${DATASET_NAMES.join(', ')}
  --train N --val N --test N   use the first N samples of a split (AV-MNIST; default 55000/5000/10000)
  --spec-size S                 spectrogram side (default 28; MultiBench: 112)
  --seed N                      pairing and noise seed (default 0)
  --snr LO,HI | none            noise SNR range in dB (default -15,5)
  --pca FRACTION                image energy removed by PCA (default 0.75; 0 = off)
  --fsdd DIR --synth DIR --mnist DIR   data folders
  --dir DIR                     neutral-format folder (mosei, urfunny)
  --no-cache                    build without the on-disk cache
  --probe                       train a linear probe per modality and report its accuracy`;

function parseOptions(args: string[]): { options: LoadDatasetOptions; probe: boolean } {
  const options: LoadDatasetOptions = {};
  const sizes: { train?: number; val?: number; test?: number } = {};
  let probe = false;
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n)) throw new VarmatError('OPTION', 'varmat data', `argument '${flag}' expected an integer, received ${v === undefined ? 'nothing' : `'${v}'`}`);
    return n;
  };
  const str = (flag: string, v: string | undefined): string => {
    if (v === undefined) throw new VarmatError('OPTION', 'varmat data', `argument '${flag}' expected a value, received nothing`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const next = (): string | undefined => args[++i];
    switch (flag) {
      case '--train':
      case '--val':
      case '--test':
        sizes[flag.slice(2) as 'train'] = int(flag, next());
        break;
      case '--spec-size':
        options.specSize = int(flag, next());
        break;
      case '--seed':
        options.seed = int(flag, next());
        break;
      case '--snr': {
        const v = str(flag, next());
        if (v === 'none') options.snrDb = null;
        else {
          const parts = v.split(',').map(Number);
          if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) {
            throw new VarmatError('OPTION', 'varmat data', `argument '--snr' expected 'LO,HI' or 'none', received '${v}'`);
          }
          options.snrDb = [parts[0], parts[1]];
        }
        break;
      }
      case '--pca':
        options.pcaEnergyRemoved = Number(str(flag, next()));
        break;
      case '--fsdd':
        options.fsddDir = str(flag, next());
        break;
      case '--synth':
        options.synthDir = str(flag, next());
        break;
      case '--mnist':
        options.mnistDir = str(flag, next());
        break;
      case '--dir':
        options.dir = str(flag, next());
        break;
      case '--no-cache':
        options.cache = false;
        break;
      case '--probe':
        probe = true;
        break;
      default:
        throw new VarmatError('OPTION', 'varmat data', `argument '${flag}' expected one of the options below, received an unknown one\n${USAGE}`);
    }
  }
  if (Object.keys(sizes).length > 0) options.sizes = sizes;
  return { options, probe };
}

function describe(split: string, ds: Dataset): string[] {
  const lines = [`${split}: ${ds.size} samples`];
  for (const m of ds.modalities()) {
    const { data } = ds.inputs[m];
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    const stats = data.length > 0 ? `range [${lo.toFixed(3)}, ${hi.toFixed(3)}], mean ${(sum / data.length).toFixed(3)}` : 'empty';
    lines.push(`  ${m}: [${ds.inputs[m].shape.join(', ')}] float32, ${stats}`);
  }
  const counts = ds.classCounts();
  lines.push(`  classes: ${counts.map((c, k) => `${k}:${c} (${ds.size ? ((100 * c) / ds.size).toFixed(1) : '0.0'}%)`).join(' ')}`);
  return lines;
}

/**
 * Runs `varmat data <args>`; returns the process exit code (0 ok, 1 error, 2 usage).
 *
 * @example
 * await dataCommand(['info', 'avmnist-synth', '--train', '2000', '--val', '500', '--test', '1000']);
 */
export async function dataCommand(args: string[]): Promise<number> {
  const [sub, name, ...rest] = args;
  if (sub === undefined || sub === 'help' || sub === '--help') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'info' || name === undefined) {
    console.error(USAGE);
    return 2;
  }
  try {
    const { options, probe } = parseOptions(rest);
    const t0 = Date.now();
    const ds = await loadDataset(name, options);
    const ms = Date.now() - t0;
    console.log(`dataset ${ds.name} (${ms} ms${ds.info.fromCache ? ', from cache' : ''})`);
    console.log(`  ${JSON.stringify(ds.info)}`);
    for (const split of ['train', 'val', 'test'] as const) for (const line of describe(split, ds[split])) console.log(line);
    if (probe) {
      const evalOn = ds.test.size > 0 ? ds.test : ds.val;
      for (const m of ds.train.modalities()) {
        const model = trainLinearProbe(ds.train.inputs[m].data, ds.train.labels, ds.train.classes, { epochs: 20 });
        const acc = probeAccuracy(model.predict(evalOn.inputs[m].data), evalOn.labels);
        console.log(`linear probe ${m}: ${(100 * acc).toFixed(1)}% on ${evalOn.name}`);
      }
    }
    return 0;
  } catch (err) {
    console.error(err instanceof VarmatError ? err.message : String(err));
    return 1;
  }
}
