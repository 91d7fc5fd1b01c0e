import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VarmatError, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { HostArray, Module } from '../nn/module.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeSafetensors, parseSafetensors, type SafetensorsData, type SafetensorsEntry, type SafetensorsInput } from './safetensors.js';

/** A JSON value (what the sidecar can hold). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What `saveCheckpoint` writes. */
export interface CheckpointContent {
  model: Module;
  /** Optimizer state: its tensors go to `<stem>.optim.safetensors`, the rest to the sidecar. */
  optimizer?: Optimizer | null;
  /** Where training stands (epoch, step, best score, ...), stored in the sidecar as given. */
  position?: JsonValue;
  /** Anything else worth keeping: model kind and configuration, data options, ... */
  info?: JsonValue;
}

/** The JSON sidecar `<stem>.json` that ties the files of a checkpoint together. */
export interface CheckpointSidecar {
  format: 'varmat-checkpoint';
  version: 1;
  /** File name of the weights (a plain safetensors state dict that PyTorch loads by name). */
  weights: { file: string; sha256: string; bytes: number };
  optimizer: null | {
    file: string;
    sha256: string;
    bytes: number;
    kind: string;
    options: Record<string, number | boolean>;
    steps: Record<string, number>;
  };
  position: JsonValue;
  info: JsonValue;
  savedAt: string;
}

/** A checkpoint read back: the weights as plain arrays, the optimizer state and the sidecar. */
export interface LoadedCheckpoint {
  weights: Record<string, HostArray>;
  metadata: Record<string, string>;
  optimizer: OptimizerState | null;
  position: JsonValue;
  info: JsonValue;
  sidecar: CheckpointSidecar;
}

/** `<dir>/<stem>.safetensors` -> `<dir>/<stem>` (the stem every file of the checkpoint shares). */
function stemOf(path: string): string {
  if (!path.endsWith('.safetensors')) fail('VALUE', 'checkpoint', 'path', "a file name ending in '.safetensors'", path);
  return path.slice(0, -'.safetensors'.length);
}

/** The sidecar path of a checkpoint. */
export function sidecarPath(path: string): string {
  return `${stemOf(path)}.json`;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function hostArray(t: Tensor): Promise<SafetensorsInput> {
  const data = await t.data();
  return { shape: [...t.shape], data: data as SafetensorsData };
}

/**
 * Saves a model (and optionally its optimizer and the training position) as a checkpoint:
 * - `<stem>.safetensors`: the model's state dict, safetensors, names as `stateDict()` gives them
 *   (PyTorch: `safetensors.torch.load_file(path)` then `model.load_state_dict(...)`);
 * - `<stem>.optim.safetensors`: the optimizer's slot tensors (when an optimizer is given);
 * - `<stem>.json`: the sidecar with the optimizer's scalars, the position, `info`, and the SHA-256
 *   of the other files.
 * Every file is written atomically, the sidecar last, so an interrupted save never leaves a
 * checkpoint that loads with mismatched parts (the hashes would not match).
 *
 * @example
 * await vm.checkpoint.saveCheckpoint('runs/a/last.safetensors', { model, optimizer, position: { epoch: 3 } });
 */
export async function saveCheckpoint(path: string, content: CheckpointContent): Promise<void> {
  const stem = stemOf(path);
  await mkdir(dirname(path), { recursive: true }).catch((e: Error) => {
    throw new VarmatError('IO', 'saveCheckpoint', `cannot create the folder of '${path}': ${e.message}`);
  });
  const weights: Record<string, SafetensorsInput> = {};
  for (const [name, t] of Object.entries(content.model.stateDict())) weights[name] = await hostArray(t);
  const weightBytes = encodeSafetensors(weights, { format: 'pt', producer: 'varmat' });
  let optimizer: CheckpointSidecar['optimizer'] = null;
  let optimBytes: Uint8Array | null = null;
  if (content.optimizer) {
    const s = content.optimizer.stateDict();
    const slots: Record<string, SafetensorsInput> = {};
    for (const [name, t] of Object.entries(s.tensors)) slots[name] = await hostArray(t as Tensor);
    optimBytes = encodeSafetensors(slots, { producer: 'varmat', kind: s.kind });
    optimizer = { file: `${basename(stem)}.optim.safetensors`, sha256: await sha256(optimBytes), bytes: optimBytes.length, kind: s.kind, options: s.options, steps: s.steps };
  }
  const sidecar: CheckpointSidecar = {
    format: 'varmat-checkpoint',
    version: 1,
    weights: { file: basename(path), sha256: await sha256(weightBytes), bytes: weightBytes.length },
    optimizer,
    position: content.position ?? null,
    info: content.info ?? null,
    savedAt: new Date().toISOString(),
  };
  await writeFileAtomic(path, weightBytes);
  if (optimBytes) await writeFileAtomic(`${stem}.optim.safetensors`, optimBytes);
  await writeFileAtomic(`${stem}.json`, new TextEncoder().encode(`${JSON.stringify(sidecar, null, 1)}\n`));
}

async function readBytes(op: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new VarmatError('IO', op, `cannot read '${path}': ${(e as Error).message}`);
  }
}

function toHost(entries: Record<string, SafetensorsEntry>, name: string): Record<string, HostArray> {
  const out: Record<string, HostArray> = {};
  for (const [k, e] of Object.entries(entries)) {
    if (!(e.data instanceof Float32Array || e.data instanceof Float64Array || e.data instanceof Int32Array)) {
      throw new VarmatError('CORRUPT', 'readCheckpoint', `${name}: tensor '${k}' has dtype ${e.dtype}; checkpoints hold F32, F64 or I32`);
    }
    out[k] = { shape: e.shape, data: e.data };
  }
  return out;
}

/**
 * Reads a checkpoint written by `saveCheckpoint`, checking every part: the sidecar's format, the
 * files' sizes and SHA-256, and the safetensors structure. Anything truncated, corrupt or mismatched
 * is refused with a `VarmatError` of code 'CORRUPT' naming the file and the problem. A bare
 * `.safetensors` without a sidecar (e.g. exported from PyTorch) reads as weights only.
 *
 * @example
 * const ckpt = await vm.checkpoint.readCheckpoint('runs/a/best.safetensors');
 * model.loadStateDict(ckpt.weights);
 */
export async function readCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const op = 'readCheckpoint';
  const stem = stemOf(path);
  const weightBytes = await readBytes(op, path);
  let sidecarText: string | null = null;
  try {
    sidecarText = new TextDecoder().decode(await readFile(`${stem}.json`));
  } catch {
    sidecarText = null;
  }
  if (sidecarText === null) {
    const file = parseSafetensors(weightBytes, path);
    const sidecar: CheckpointSidecar = {
      format: 'varmat-checkpoint', version: 1, weights: { file: basename(path), sha256: await sha256(weightBytes), bytes: weightBytes.length },
      optimizer: null, position: null, info: null, savedAt: '',
    };
    return { weights: toHost(file.tensors, path), metadata: file.metadata, optimizer: null, position: null, info: null, sidecar };
  }
  let sidecar: CheckpointSidecar;
  try {
    sidecar = JSON.parse(sidecarText) as CheckpointSidecar;
  } catch (e) {
    throw new VarmatError('CORRUPT', op, `${stem}.json is not valid JSON (${(e as Error).message}); the checkpoint's sidecar is damaged`);
  }
  if (sidecar?.format !== 'varmat-checkpoint' || sidecar.version !== 1 || typeof sidecar.weights?.sha256 !== 'string') {
    throw new VarmatError('CORRUPT', op, `${stem}.json is not a varmat checkpoint sidecar (format ${JSON.stringify(sidecar?.format)}, version ${JSON.stringify(sidecar?.version)})`);
  }
  const check = async (file: string, bytes: Uint8Array, expected: { sha256: string; bytes: number }): Promise<void> => {
    if (bytes.length !== expected.bytes) {
      throw new VarmatError('CORRUPT', op, `${file} has ${bytes.length} bytes but the sidecar recorded ${expected.bytes} (truncated or replaced)`);
    }
    if ((await sha256(bytes)) !== expected.sha256) {
      throw new VarmatError('CORRUPT', op, `${file} does not match the SHA-256 recorded in its sidecar (corrupt, or from another save)`);
    }
  };
  await check(path, weightBytes, sidecar.weights);
  const weights = parseSafetensors(weightBytes, path);
  let optimizer: OptimizerState | null = null;
  if (sidecar.optimizer) {
    const optimPath = join(dirname(path), sidecar.optimizer.file);
    const bytes = await readBytes(op, optimPath);
    await check(optimPath, bytes, sidecar.optimizer);
    const slots = parseSafetensors(bytes, optimPath);
    optimizer = {
      kind: sidecar.optimizer.kind,
      options: sidecar.optimizer.options,
      steps: sidecar.optimizer.steps,
      tensors: toHost(slots.tensors, optimPath),
    };
  }
  return {
    weights: toHost(weights.tensors, path),
    metadata: weights.metadata,
    optimizer,
    position: sidecar.position,
    info: sidecar.info,
    sidecar,
  };
}

/**
 * Loads a checkpoint into a model (and optimizer): strict by name and shape.
 *
 * @example
 * const ckpt = await vm.checkpoint.loadCheckpoint('runs/a/last.safetensors', model, optimizer);
 * ckpt.position;   // { epoch: 3, ... }
 */
export async function loadCheckpoint(path: string, model: Module, optimizer?: Optimizer | null): Promise<LoadedCheckpoint> {
  const ckpt = await readCheckpoint(path);
  model.loadStateDict(ckpt.weights);
  if (optimizer) {
    if (!ckpt.optimizer) throw new VarmatError('VALUE', 'loadCheckpoint', `'${path}' holds no optimizer state to resume from`);
    optimizer.loadStateDict(ckpt.optimizer);
  }
  return ckpt;
}
