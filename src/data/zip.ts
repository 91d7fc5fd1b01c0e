/**
 * A ZIP reader for `.npz` archives: stored and deflate entries, ZIP64 (numpy writes ZIP64 headers),
 * CRC-32 checked. Deflate goes through `DecompressionStream('deflate-raw')`, which Node 20, Deno and
 * browsers provide. Platform-free.
 */

import { VarmatError } from '../errors.js';
import { crc32 } from './crc32.js';

/** One entry of an archive (data still compressed). */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** The compressed bytes (a view into the archive). */
  raw: Uint8Array;
}

function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  return hi * 4294967296 + lo;
}

/**
 * Lists the entries of a ZIP archive from its central directory.
 *
 * @example
 * const entries = readZipEntries(bytes, 'train.npz'); // [{ name: 'vision.npy', ... }, ...]
 */
export function readZipEntries(bytes: Uint8Array, name = 'ZIP archive'): ZipEntry[] {
  const op = 'readZipEntries';
  const corrupt = (what: string): never => {
    throw new VarmatError('CORRUPT', op, `${name}: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) corrupt('no end-of-central-directory record (not a ZIP/.npz file, or truncated)');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = u64(view, eocd - 20 + 8);
    if (z + 56 > bytes.length || view.getUint32(z, true) !== 0x06064b50) corrupt('bad ZIP64 end-of-central-directory record');
    count = u64(view, z + 32);
    cdOffset = u64(view, z + 48);
  }
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let e = 0; e < count; e++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) corrupt(`central directory entry ${e} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const entryName = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // ZIP64 extended information: the 0xFFFFFFFF fields, in order.
    let x = at + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let p = x + 4;
        if (size === 0xffffffff) (size = u64(view, p)), (p += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(view, p)), (p += 8);
        if (local === 0xffffffff) local = u64(view, p);
      }
      x += 4 + len;
    }
    if (flags & 1) throw new VarmatError('VALUE', op, `${name}: entry '${entryName}' is encrypted, which is not supported`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) corrupt(`local header of '${entryName}' is damaged`);
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataAt + compressedSize > bytes.length) corrupt(`entry '${entryName}' runs past the end of the archive (truncated)`);
    entries.push({ name: entryName, method, crc32: crc, compressedSize, size, raw: bytes.subarray(dataAt, dataAt + compressedSize) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Inflates raw deflate data (RFC 1951) with the platform's `DecompressionStream`.
 *
 * @example
 * const plain = await inflateRaw(compressed);
 */
export async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Returns an entry's uncompressed bytes, checking its size and CRC-32.
 *
 * @example
 * const bytes = await extractZipEntry(entries[0]);
 */
export async function extractZipEntry(entry: ZipEntry, archive = 'ZIP archive'): Promise<Uint8Array> {
  const op = 'extractZipEntry';
  let out: Uint8Array;
  if (entry.method === 0) out = entry.raw;
  else if (entry.method === 8) {
    try {
      out = await inflateRaw(entry.raw);
    } catch (err) {
      throw new VarmatError('CORRUPT', op, `${archive}: entry '${entry.name}' does not inflate: ${(err as Error).message}`);
    }
  } else {
    throw new VarmatError('VALUE', op, `${archive}: entry '${entry.name}': argument 'method' expected 0 (stored) or 8 (deflate), received ${entry.method}`);
  }
  if (out.length !== entry.size) throw new VarmatError('CORRUPT', op, `${archive}: entry '${entry.name}' expected ${entry.size} bytes, received ${out.length}`);
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    throw new VarmatError('CORRUPT', op, `${archive}: entry '${entry.name}' CRC-32 expected ${entry.crc32.toString(16)}, received ${crc.toString(16)}`);
  }
  return out;
}
