import { VarmatError, fail } from '../errors.js';

/** Element types of the safetensors format that varmat reads and writes. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'I8' | 'I16' | 'U16' | 'U32' | 'BOOL';

/** Typed arrays matching each dtype. */
export type SafetensorsData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;

/** One tensor of a safetensors file: its dtype, shape and little-endian row-major values. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in file order. */
  tensors: Record<string, SafetensorsEntry>;
  /** The `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

/** What `encodeSafetensors` takes per tensor; the dtype defaults from the array type. */
export interface SafetensorsInput {
  dtype?: SafetensorsDType;
  shape: readonly number[];
  data: SafetensorsData;
}

const SIZES: Record<SafetensorsDType, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, I8: 1, I16: 2, U16: 2, U32: 4, BOOL: 1 };

/** The format's limit on the header size (100 MB), which also guards against absurd lengths. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

function viewOf(dtype: SafetensorsDType, buffer: ArrayBuffer): SafetensorsData {
  switch (dtype) {
    case 'F32': return new Float32Array(buffer);
    case 'F64': return new Float64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'U8': case 'BOOL': return new Uint8Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'I16': return new Int16Array(buffer);
    case 'U16': return new Uint16Array(buffer);
    case 'U32': return new Uint32Array(buffer);
  }
}

function dtypeOfArray(data: SafetensorsData): SafetensorsDType | null {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Uint32Array) return 'U32';
  return null;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function corrupt(name: string, why: string): never {
  throw new VarmatError('CORRUPT', 'readSafetensors', `${name} is not a valid safetensors file: ${why}`);
}

/**
 * Parses a safetensors file (https://github.com/huggingface/safetensors, "Format"): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON mapping each name to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets into the data that follows the header) plus an
 * optional `__metadata__` map of strings, then the raw little-endian data. Everything the format
 * requires is checked (header bounds, JSON, known dtypes, sizes that match shapes, tensors that tile
 * the data exactly, no trailing bytes); a file that fails is refused with a `VarmatError` of code
 * 'CORRUPT' saying what is wrong. The values are copied out of `bytes`.
 *
 * @example
 * const { tensors, metadata } = vm.checkpoint.parseSafetensors(await readFile('weights.safetensors'));
 * tensors['to_logits.1.weight'].shape;   // [10, 128]
 */
export function parseSafetensors(bytes: Uint8Array, name = 'the file'): SafetensorsFile {
  if (!littleEndian) throw new VarmatError('BACKEND', 'readSafetensors', 'big-endian hosts are not supported');
  if (!(bytes instanceof Uint8Array)) fail('VALUE', 'readSafetensors', 'bytes', 'a Uint8Array', bytes);
  if (bytes.length < 8) corrupt(name, `it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER)) corrupt(name, `the header length ${n64} exceeds the format's limit of ${SAFETENSORS_MAX_HEADER} bytes`);
  const n = Number(n64);
  if (8 + n > bytes.length) corrupt(name, `the header claims ${n} bytes but only ${bytes.length - 8} follow (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    corrupt(name, `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) corrupt(name, 'the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { key: string; begin: number; end: number }[] = [];
  const tensors: Record<string, SafetensorsEntry> = {};
  const entries = Object.entries(header as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (key === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) corrupt(name, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') corrupt(name, `__metadata__ value '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') corrupt(name, `entry '${key}' is not an object`);
    const dtype = info.dtype as SafetensorsDType;
    if (typeof dtype !== 'string' || !(dtype in SIZES)) corrupt(name, `entry '${key}' has unsupported dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) corrupt(name, `entry '${key}' has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      corrupt(name, `entry '${key}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * SIZES[dtype]) {
      corrupt(name, `entry '${key}' spans ${end - begin} bytes but ${dtype} [${(shape as number[]).join(', ')}] needs ${count * SIZES[dtype]}`);
    }
    if (end > dataLength) corrupt(name, `entry '${key}' ends at byte ${end} of a ${dataLength}-byte data section (truncated?)`);
    spans.push({ key, begin, end });
    // Uint8Array's slice copies (Node's Buffer#slice would share memory).
    const copy = Uint8Array.prototype.slice.call(bytes, dataStart + begin, dataStart + end);
    tensors[key] = { dtype, shape: [...(shape as number[])], data: viewOf(dtype, copy.buffer) };
  }
  // The tensors must tile the data section exactly: no gaps, no overlaps, nothing after the last.
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of sorted) {
    if (s.begin !== at) corrupt(name, s.begin < at ? `entry '${s.key}' overlaps the previous tensor` : `there is a gap before entry '${s.key}'`);
    at = s.end;
  }
  if (at !== dataLength) corrupt(name, `${dataLength - at} bytes after the last tensor are not described by the header`);
  return { tensors, metadata };
}

/**
 * Encodes tensors as a safetensors file. Tensors are laid out by element size (largest first, then
 * in the given order) so that every tensor starts at a multiple of its element size; the header is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does.
 *
 * @example
 * const bytes = vm.checkpoint.encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } }, { step: '10' });
 */
export function encodeSafetensors(tensors: Readonly<Record<string, SafetensorsInput>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const op = 'encodeSafetensors';
  const items = Object.entries(tensors).map(([key, t], order) => {
    if (key === '__metadata__') fail('VALUE', op, 'tensors', "names other than '__metadata__'", key);
    const inferred = dtypeOfArray(t.data);
    if (inferred === null) fail('DTYPE', op, `tensors['${key}'].data`, 'a typed array', t.data);
    const dtype = t.dtype ?? inferred;
    if (!(dtype in SIZES)) fail('DTYPE', op, `tensors['${key}'].dtype`, Object.keys(SIZES).join(', '), dtype);
    if (SIZES[dtype] !== t.data.BYTES_PER_ELEMENT || (dtype !== inferred && !(dtype === 'BOOL' && inferred === 'U8'))) {
      fail('DTYPE', op, `tensors['${key}'].dtype`, `the dtype of its array (${inferred})`, dtype);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== t.data.length) {
      fail('SHAPE', op, `tensors['${key}'].shape`, `a shape of ${t.data.length} elements`, t.shape);
    }
    return { key, dtype, shape: [...t.shape], data: t.data, order };
  });
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail('VALUE', op, `metadata['${k}']`, 'a string', v);
  const layout = [...items].sort((a, b) => SIZES[b.dtype] - SIZES[a.dtype] || a.order - b.order);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const placed = layout.map((it) => {
    const begin = offset;
    offset += it.data.byteLength;
    return { ...it, begin };
  });
  // Header entries in the caller's order; offsets follow the aligned layout.
  const byKey = new Map(placed.map((p) => [p.key, p]));
  for (const it of items) {
    const p = byKey.get(it.key)!;
    header[it.key] = { dtype: p.dtype, shape: p.shape, data_offsets: [p.begin, p.begin + p.data.byteLength] };
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withPad = new Uint8Array(padded).fill(0x20);
    withPad.set(json);
    json = withPad;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  for (const p of placed) out.set(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength), 8 + json.length + p.begin);
  return out;
}
