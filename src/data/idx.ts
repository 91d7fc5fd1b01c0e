/**
 * A reader for the IDX format of the original MNIST files: a 4-byte magic (two zero bytes, a type code,
 * the number of dimensions), one big-endian uint32 per dimension, then the values in row-major order,
 * big-endian. Platform-free: it takes the file's bytes.
 */

import { VarmatError } from '../errors.js';

/** The element types that IDX files can hold, by type code. */
const IDX_TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** A parsed IDX file. `data` is a Uint8Array for uint8 files (zero-copy) and a host-order array otherwise. */
export interface IdxArray {
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses an IDX file. `name` only labels error messages.
 *
 * @example
 * const labels = parseIdx(bytes, 'train-labels-idx1-ubyte'); // { dtype: 'uint8', shape: [60000], data }
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  const op = 'parseIdx';
  const corrupt = (what: string): never => {
    throw new VarmatError('CORRUPT', op, `${name}: ${what}`);
  };
  if (bytes.length < 4) corrupt(`expected at least 4 header bytes, received ${bytes.length}`);
  if (bytes[0] !== 0 || bytes[1] !== 0) corrupt(`expected magic bytes 0x00 0x00, received 0x${bytes[0].toString(16)} 0x${bytes[1].toString(16)}`);
  const type = IDX_TYPES[bytes[2]];
  if (type === undefined) corrupt(`expected a type code among 0x08 0x09 0x0b 0x0c 0x0d 0x0e, received 0x${bytes[2].toString(16)}`);
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) corrupt(`expected ${headerBytes} header bytes for rank ${rank}, received ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < rank; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    size *= n;
  }
  const expected = headerBytes + size * type.bytes;
  if (bytes.length !== expected) {
    corrupt(`expected ${expected} bytes for shape [${shape.join(', ')}] of ${type.name}, received ${bytes.length} (truncated or padded)`);
  }
  const dtype = type.name as IdxArray['dtype'];
  if (dtype === 'uint8') return { dtype, shape, data: bytes.subarray(headerBytes) };
  if (dtype === 'int8') return { dtype, shape, data: new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, size).slice() };
  const read = {
    int16: (o: number) => view.getInt16(o, false),
    int32: (o: number) => view.getInt32(o, false),
    float32: (o: number) => view.getFloat32(o, false),
    float64: (o: number) => view.getFloat64(o, false),
  }[dtype];
  const data = {
    int16: () => new Int16Array(size),
    int32: () => new Int32Array(size),
    float32: () => new Float32Array(size),
    float64: () => new Float64Array(size),
  }[dtype]();
  for (let i = 0; i < size; i++) data[i] = read(headerBytes + i * type.bytes);
  return { dtype, shape, data };
}
