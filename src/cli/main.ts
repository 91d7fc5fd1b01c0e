import { parseArgs } from 'node:util';
import * as vm from '../index.js';
import { VarmatError } from '../errors.js';
import { runDemo } from './demo.js';
import { dataCommand } from './data-command.js';
import { evalCommand } from './eval-command.js';
import { trainCommand } from './train-command.js';
import { attackCommand } from './attack-command.js';
import { reportCommand } from './report-command.js';
import { experimentCommand } from './experiment-command.js';
import { varmatTrainCommand } from './varmat-train-command.js';

const USAGE = `varmat: robust multimodal learning in TypeScript

Usage:
  varmat demo [--backend wasm|reference] [--epochs N] [--seed S] [--alpha A]
      Train a small MLP with and without a gradient-norm penalty (double backprop) and
      report clean and FGSM accuracy (a one-minute tour of double backprop).
  varmat experiment avmnist-synth|avmnist [...]
      VARMAT versus Avg: clean pre-training, adversarial fine-tuning of each cell, robust accuracy,
      per-modality vulnerability, HTML report; resumable. 'avmnist-synth' is the README's main job
      (about 5 minutes), 'avmnist' the full grid (experiment --help).
  varmat info
      Print the backends found and the one 'auto' chooses.
  varmat train --data avmnist-synth --model perceiver|cnn --epochs N --out runs/NAME [...]
      Clean training with validation, best-checkpoint selection and --resume (train --help).
  varmat train --at varmat|avg --attack fgsm-rs|fgsm-ep|fgsm-mep|fgsm-pco --eps 0.01 [...]
      Adversarial training: VARMAT (probe + gradient-norm regularizer) or the Avg baseline.
  varmat attack --checkpoint runs/NAME --attack pgd --space latent --eps 0.2 --steps 10 [...]
      Attack a checkpoint and report clean and robust accuracy as JSON (attack --help).
  varmat report runs/NAME [runs/OTHER ...]
      Self-contained HTML (and JSON, Markdown) report of robust training runs.
  varmat eval --checkpoint runs/NAME/best [...]
      Evaluate a checkpoint (eval --help).
  varmat data info <name> [options]
      Sizes, shapes and class balance of a dataset (avmnist, avmnist-synth, ...).
  varmat help
`;

async function info(): Promise<number> {
  for (const name of ['reference', 'wasm', 'webgpu'] as const) {
    try {
      const description = await vm.init({ backend: name });
      console.log(`${name.padEnd(10)} available: ${description}`);
    } catch (e) {
      console.log(`${name.padEnd(10)} unavailable: ${(e as Error).message}`);
    }
  }
  const chosen = await vm.init({ backend: 'auto' }).catch((e: Error) => `none (${e.message})`);
  console.log(`auto       -> ${chosen}`);
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: 'wasm' },
      epochs: { type: 'string', default: '60' },
      seed: { type: 'string', default: '0' },
      alpha: { type: 'string', default: '0.5' },
    },
    strict: true,
  });
  const epochs = positiveInt('--epochs', values.epochs!);
  const seed = positiveInt('--seed', values.seed!, 0);
  const alpha = Number(values.alpha);
  if (!(alpha >= 0)) throw new VarmatError('OPTION', 'varmat demo', `--alpha expected a number >= 0, received '${values.alpha}'`);
  console.log(`backend: ${await vm.init({ backend: values.backend as vm.InitOptions['backend'] })}`);
  runDemo({ epochs, seed, alpha, log: (line) => console.log(line) });
  return 0;
}

function positiveInt(flag: string, text: string, min = 1): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    throw new VarmatError('OPTION', 'varmat', `${flag} expected an integer >= ${min}, received '${text}'`);
  }
  return v;
}

/** Entry point of the `varmat` command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo':
        return await demo(rest);
      case 'info':
        return await info();
      case 'train':
        return await (rest.includes('--at') ? varmatTrainCommand(rest) : trainCommand(rest));
      case 'attack':
        return await attackCommand(rest);
      case 'report':
        return await reportCommand(rest);
      case 'experiment':
        return await experimentCommand(rest);
      case 'eval':
        return await evalCommand(rest);
      case 'data':
        return await dataCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        console.error(`varmat: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof VarmatError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`varmat: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
