/**
 * A compact binary container for built dataset splits (the on-disk cache format):
 * 'VMDS', a uint32 header length, a JSON header, then the arrays (8-byte aligned, little-endian).
 * Float arrays whose values are all exact multiples of 1/255 (as the AV-MNIST builder produces) are
 * stored as uint8 and restored bit-exactly; others as float32. A SHA-256 of the payload is checked on
 * reading, so a damaged file is an error, never silently wrong data.
 */

import { VarmatError } from '../errors.js';
import { Dataset, type ModalityArray } from './dataset.js';
import { sha256Hex } from './sha256.js';

type Encoding = 'u8/255' | 'f32' | 'i32';

interface ArrayEntry {
  role: 'input' | 'labels' | 'indices' | 'meta';
  key: string;
  shape: number[];
  encoding: Encoding;
  offset: number;
  bytes: number;
}

interface FileHeader {
  format: 'varmat-datasets/1';
  payloadSha256: string;
  info: unknown;
  splits: Record<string, { name: string; classes: number; arrays: ArrayEntry[] }>;
}

/** fround(k / 255) for k = 0..255. */
const BYTE_SCALE = Float32Array.from({ length: 256 }, (_, k) => k / 255);

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function assertLittleEndian(op: string): void {
  if (!LITTLE_ENDIAN) throw new VarmatError('VALUE', op, 'dataset files need a little-endian host');
}

/** Whether every value is exactly fround(k / 255) for an integer k in 0..255. */
function isByteScale(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const k = Math.round(v * 255);
    if (k < 0 || k > 255 || Math.fround(k / 255) !== v) return false;
  }
  return true;
}

/**
 * Serialises named splits and a JSON `info` value.
 *
 * @example
 * const bytes = await encodeDatasets({ train, val, test }, { key: 'abc' });
 */
export async function encodeDatasets(splits: Record<string, Dataset>, info: unknown = null): Promise<Uint8Array> {
  assertLittleEndian('encodeDatasets');
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array): number => {
    const at = offset;
    parts.push(bytes);
    offset += bytes.length;
    const pad = (8 - (offset % 8)) % 8;
    if (pad) {
      parts.push(new Uint8Array(pad));
      offset += pad;
    }
    return at;
  };
  const header: FileHeader = { format: 'varmat-datasets/1', payloadSha256: '', info, splits: {} };
  for (const [split, ds] of Object.entries(splits)) {
    const arrays: ArrayEntry[] = [];
    const add = (role: ArrayEntry['role'], key: string, shape: number[], data: Float32Array | Int32Array) => {
      let encoding: Encoding;
      let bytes: Uint8Array;
      if (data instanceof Int32Array) {
        encoding = 'i32';
        bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      } else if (isByteScale(data)) {
        encoding = 'u8/255';
        bytes = new Uint8Array(data.length);
        for (let i = 0; i < data.length; i++) bytes[i] = Math.round(data[i] * 255);
      } else {
        encoding = 'f32';
        bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      }
      arrays.push({ role, key, shape, encoding, offset: push(bytes), bytes: bytes.length });
    };
    for (const name of ds.modalities()) add('input', name, ds.inputs[name].shape, ds.inputs[name].data);
    add('labels', 'labels', [ds.size], ds.labels);
    add('indices', 'indices', [ds.size], ds.indices);
    for (const [k, v] of Object.entries(ds.meta)) add('meta', k, [ds.size], v);
    header.splits[split] = { name: ds.name, classes: ds.classes, arrays };
  }
  const payload = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    payload.set(p, at);
    at += p.length;
  }
  header.payloadSha256 = await sha256Hex(payload);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((8 + json.length) / 8) * 8;
  const out = new Uint8Array(start + payload.length);
  out.set([0x56, 0x4d, 0x44, 0x53]); // 'VMDS'
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(payload, start);
  return out;
}

/** Decoded splits and the stored `info`. */
export interface DecodedDatasets {
  splits: Record<string, Dataset>;
  info: unknown;
}

/**
 * Reads what `encodeDatasets` wrote; throws `CORRUPT` for a damaged file.
 *
 * @example
 * const { splits, info } = await decodeDatasets(bytes);
 */
export async function decodeDatasets(bytes: Uint8Array, name = 'dataset file'): Promise<DecodedDatasets> {
  const op = 'decodeDatasets';
  assertLittleEndian(op);
  const corrupt = (what: string): never => {
    throw new VarmatError('CORRUPT', op, `${name}: ${what}`);
  };
  if (bytes.length < 8 || bytes[0] !== 0x56 || bytes[1] !== 0x4d || bytes[2] !== 0x44 || bytes[3] !== 0x53) corrupt("expected the magic 'VMDS'");
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.length) corrupt(`header of ${len} bytes runs past the end (${bytes.length} bytes)`);
  let header: FileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as FileHeader;
  } catch {
    return corrupt('the header is not valid JSON');
  }
  if (header.format !== 'varmat-datasets/1') corrupt(`expected format 'varmat-datasets/1', received '${String(header.format)}'`);
  const payload = bytes.subarray(Math.ceil((8 + len) / 8) * 8);
  const hash = await sha256Hex(payload);
  if (hash !== header.payloadSha256) corrupt(`payload SHA-256 expected ${header.payloadSha256}, received ${hash} (truncated or damaged)`);
  const splits: Record<string, Dataset> = {};
  for (const [split, s] of Object.entries(header.splits)) {
    const inputs: Record<string, ModalityArray> = {};
    const meta: Record<string, Int32Array | Float32Array> = {};
    let labels: Int32Array | undefined;
    let indices: Int32Array | undefined;
    for (const a of s.arrays) {
      if (a.offset + a.bytes > payload.length) corrupt(`array '${a.key}' runs past the end`);
      const raw = payload.subarray(a.offset, a.offset + a.bytes);
      let data: Float32Array | Int32Array;
      if (a.encoding === 'i32') data = new Int32Array(raw.slice().buffer);
      else if (a.encoding === 'f32') data = new Float32Array(raw.slice().buffer);
      else {
        data = new Float32Array(raw.length);
        for (let i = 0; i < raw.length; i++) data[i] = BYTE_SCALE[raw[i]];
      }
      if (a.role === 'input') inputs[a.key] = { data: data as Float32Array, shape: a.shape };
      else if (a.role === 'labels') labels = data as Int32Array;
      else if (a.role === 'indices') indices = data as Int32Array;
      else meta[a.key] = data;
    }
    if (labels === undefined || indices === undefined) return corrupt(`split '${split}' lacks labels or indices`);
    splits[split] = new Dataset({ name: s.name, inputs, labels, indices, classes: s.classes, meta });
  }
  return { splits, info: header.info };
}
