/**
 * SHA-256 through Web Crypto (`crypto.subtle.digest`), which Node 20, Deno and browsers all provide,
 * so checksums are computed the same way everywhere.
 */

import { VarmatError } from '../errors.js';

/**
 * Returns the SHA-256 digest of `bytes` as 64 lowercase hex characters.
 *
 * @example
 * await sha256Hex(new TextEncoder().encode('abc'));
 * // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new VarmatError('IO', 'sha256Hex', 'Web Crypto (crypto.subtle) is not available on this platform');
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Throws a `CORRUPT` error unless the SHA-256 of `bytes` equals `expected`.
 *
 * @example
 * await verifySha256(bytes, 'ba78...', 'loadMnist', 'train-images-idx3-ubyte');
 */
export async function verifySha256(bytes: Uint8Array, expected: string, op: string, what: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new VarmatError(
      'CORRUPT',
      op,
      `checksum of ${what} expected SHA-256 ${expected}, received ${actual} (the file is corrupt or a different version; restore it)`,
    );
  }
}
