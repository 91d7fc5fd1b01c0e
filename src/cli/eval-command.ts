/**
 * `varmat eval --checkpoint runs/NAME/best.safetensors [--split test|val|train] [--batch-size B] [--backend NAME]`:
 * clean accuracy of a checkpoint written by `varmat train`. The sidecar records the model and the
 * data options, so the same model and dataset are rebuilt; data flags override the recorded ones.
 */

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VarmatError } from '../errors.js';
import { readCheckpoint } from '../checkpoint/checkpoint.js';
import { loadDataset, type LoadDatasetOptions } from '../data/registry.js';
import { buildModel, type ModelSpec } from '../train/model-factory.js';
import { evaluate } from '../train/evaluate.js';
import { selectModalities } from '../train/select-modalities.js';
import { initBackend } from './train-command.js';
import type * as vm from '../index.js';

const USAGE = `usage: varmat eval --checkpoint FILE.safetensors|RUN_DIR|RUN_DIR/best [options]
  --split test|val|train   default test
  --batch-size B           default 256
  --backend NAME           wasm (default), reference, webgpu, auto
  --data NAME              override the dataset recorded in the checkpoint
  --train N --val N --test N   override split sizes`;

function bad(flag: string, expected: string, received: string | undefined): never {
  throw new VarmatError('OPTION', 'varmat eval', `argument '${flag}' expected ${expected}, received ${received === undefined ? 'nothing' : `'${received}'`}`);
}

/** `runs/a` -> `runs/a/best.safetensors`; `runs/a/last` -> `runs/a/last.safetensors`. */
function checkpointFile(path: string): string {
  if (path.endsWith('.safetensors')) return path;
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, 'best.safetensors');
  return `${path}.safetensors`;
}

/**
 * Runs `varmat eval`; returns the exit code.
 *
 * @example
 * await evalCommand(['--checkpoint', 'runs/a/best.safetensors']);
 */
export async function evalCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let checkpoint: string | undefined;
  let split: 'test' | 'val' | 'train' = 'test';
  let batchSize = 256;
  let backend: 'auto' | vm.BackendName = 'wasm';
  let data: string | undefined;
  const sizes: { train?: number; val?: number; test?: number } = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) bad(flag, 'a value', v);
      return v;
    };
    switch (flag) {
      case '--checkpoint': checkpoint = value(); break;
      case '--split': {
        const v = value();
        if (v !== 'test' && v !== 'val' && v !== 'train') bad(flag, "'test', 'val' or 'train'", v);
        split = v;
        break;
      }
      case '--batch-size': {
        const v = value();
        batchSize = Number(v);
        if (!Number.isInteger(batchSize) || batchSize < 1) bad(flag, 'a positive integer', v);
        break;
      }
      case '--backend': {
        const v = value();
        if (!['auto', 'wasm', 'reference', 'webgpu'].includes(v)) bad(flag, "'wasm', 'reference', 'webgpu' or 'auto'", v);
        backend = v as typeof backend;
        break;
      }
      case '--data': data = value(); break;
      case '--train': case '--val': case '--test': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) bad(flag, 'an integer >= 0', v);
        sizes[flag.slice(2) as 'train'] = n;
        break;
      }
      default: bad('options', `one of the options below\n${USAGE}\n`, flag);
    }
  }
  if (checkpoint === undefined) bad('--checkpoint', 'a .safetensors file written by varmat train', undefined);
  checkpoint = checkpointFile(checkpoint);
  console.log(`backend: ${await initBackend(backend)}`);
  const ckpt = await readCheckpoint(checkpoint);
  const info = ckpt.info as { model?: ModelSpec; data?: { name: string; options: LoadDatasetOptions; modalities?: string[] | null } } | null;
  if (!info?.model || !info.data) {
    throw new VarmatError('VALUE', 'varmat eval', `'${checkpoint}' has no model/data description in its sidecar (was it written by varmat train?)`);
  }
  const options: LoadDatasetOptions = { ...info.data.options, ...(Object.keys(sizes).length ? { sizes: { ...info.data.options.sizes, ...sizes } } : {}) };
  const loaded = await loadDataset(data ?? info.data.name, options);
  const keep = info.data.modalities ?? null;
  const ds = keep ? { train: selectModalities(loaded.train, keep), val: selectModalities(loaded.val, keep), test: selectModalities(loaded.test, keep) } : loaded;
  const model = buildModel(info.model);
  try {
    model.loadStateDict(ckpt.weights);
    const r = await evaluate(model, ds[split], { batchSize });
    console.log(`${data ?? info.data.name} ${split}: accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}, ${r.samples} samples (${info.model.kind}, ${checkpoint})`);
    return 0;
  } finally {
    model.dispose();
  }
}
