/**
 * A reader and writer for NumPy's `.npy` format (versions 1-3): numeric dtypes and bool, either byte
 * order, C or Fortran order (Fortran arrays are returned in C order). Object (pickled) arrays are
 * rejected with a clear error. Platform-free.
 */

import { VarmatError, fail } from '../errors.js';

/** Element types of `NpyArray`. */
export type NpyDType = 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

/** The typed array for each dtype; int64/uint64 use BigInt arrays, bool uses Uint8Array. */
export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A parsed array in C (row-major) order. */
export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

const KINDS: Record<string, { dtype: NpyDType; bytes: number }> = {
  b1: { dtype: 'bool', bytes: 1 },
  i1: { dtype: 'int8', bytes: 1 },
  u1: { dtype: 'uint8', bytes: 1 },
  i2: { dtype: 'int16', bytes: 2 },
  u2: { dtype: 'uint16', bytes: 2 },
  i4: { dtype: 'int32', bytes: 4 },
  u4: { dtype: 'uint32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  u8: { dtype: 'uint64', bytes: 8 },
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
};

function allocate(dtype: NpyDType, n: number): NpyData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}

function reader(dtype: NpyDType, view: DataView, little: boolean): (at: number) => number | bigint {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return (at) => view.getUint8(at);
    case 'int8':
      return (at) => view.getInt8(at);
    case 'int16':
      return (at) => view.getInt16(at, little);
    case 'uint16':
      return (at) => view.getUint16(at, little);
    case 'int32':
      return (at) => view.getInt32(at, little);
    case 'uint32':
      return (at) => view.getUint32(at, little);
    case 'int64':
      return (at) => view.getBigInt64(at, little);
    case 'uint64':
      return (at) => view.getBigUint64(at, little);
    case 'float32':
      return (at) => view.getFloat32(at, little);
    case 'float64':
      return (at) => view.getFloat64(at, little);
  }
}

/**
 * Parses a `.npy` file. `name` only labels error messages.
 *
 * @example
 * const { dtype, shape, data } = parseNpy(bytes, 'labels.npy'); // 'float32', [100, 1], Float32Array
 */
export function parseNpy(bytes: Uint8Array, name = '.npy file'): NpyArray {
  const op = 'parseNpy';
  const corrupt = (what: string): never => {
    throw new VarmatError('CORRUPT', op, `${name}: ${what}`);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) corrupt("expected the magic '\\x93NUMPY'");
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) corrupt('truncated header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return corrupt(`expected format version 1, 2 or 3, received ${major}`);
  }
  if (start + headerLen > bytes.length) corrupt('header runs past the end of the file');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return corrupt(`unreadable header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) corrupt(`bad shape (${shapeText})`);
  const order = descr[0];
  const kind = KINDS[descr.slice(1)];
  if (!'<>|='.includes(order) || kind === undefined) {
    throw new VarmatError(
      'VALUE',
      op,
      `${name}: argument 'descr' expected a numeric or bool dtype such as '<f4', '<f8', '<i8', '|u1', received '${descr}'` +
        (descr.includes('O') ? ' (an object array holds pickled Python objects: convert it to a numeric array first, see docs/datasets.md)' : ''),
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const dataAt = start + headerLen;
  if (bytes.length - dataAt < size * kind.bytes) corrupt(`expected ${size * kind.bytes} data bytes for shape (${shape.join(', ')}) of ${descr}, received ${bytes.length - dataAt} (truncated)`);
  const little = order !== '>';
  const data = allocate(kind.dtype, size);
  const read = reader(kind.dtype, view, little);
  const fortranOrder = fortran === 'True' && shape.length > 1;
  if (!fortranOrder) {
    for (let i = 0; i < size; i++) (data as Float64Array)[i] = read(dataAt + i * kind.bytes) as number;
  } else {
    // Element at C index i (multi-index m) sits at Fortran offset sum m[k] * prod(shape[0..k-1]).
    const rank = shape.length;
    const fStride = new Array<number>(rank);
    fStride[0] = 1;
    for (let k = 1; k < rank; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < size; i++) {
      let off = 0;
      for (let k = 0; k < rank; k++) off += idx[k] * fStride[k];
      (data as Float64Array)[i] = read(dataAt + off * kind.bytes) as number;
      for (let k = rank - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) break;
        idx[k] = 0;
      }
    }
  }
  return { dtype: kind.dtype, shape, data };
}

/**
 * Converts any numeric `NpyArray`'s values to float32 (int64 through Number; bool as 0/1).
 *
 * @example
 * const x = npyToFloat32(parseNpy(bytes));
 */
export function npyToFloat32(array: NpyArray): Float32Array {
  if (array.data instanceof Float32Array) return array.data;
  const out = new Float32Array(array.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(array.data[i]);
  return out;
}

/**
 * Encodes a C-order array as a version-1 `.npy` file ('<f4', '<f8', '<i4', '<i8', '|u1' or '|b1').
 *
 * @example
 * const bytes = encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]);
 */
export function encodeNpy(data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array, shape: readonly number[], options: { bool?: boolean } = {}): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) fail('SHAPE', 'encodeNpy', 'data', `${size} values for shape [${shape.join(', ')}]`, data.length);
  const descr =
    data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : data instanceof BigInt64Array ? '<i8' : options.bool ? '|b1' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const at = total + i * data.BYTES_PER_ELEMENT;
    if (data instanceof Float32Array) view.setFloat32(at, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(at, data[i], true);
    else if (data instanceof Int32Array) view.setInt32(at, data[i], true);
    else if (data instanceof BigInt64Array) view.setBigInt64(at, data[i], true);
    else view.setUint8(at, data[i]);
  }
  return out;
}
