import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { VarmatError } from '../errors.js';

let counter = 0;

/**
 * Writes `bytes` to `path` atomically: the data goes to a temporary file in the same folder, is
 * flushed to disk, and the temporary file is renamed over `path`. Readers see either the old file
 * or the complete new one, never a partial write; a failure leaves `path` untouched.
 *
 * @example
 * await writeFileAtomic('runs/a/best.json', new TextEncoder().encode('{}'));
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new VarmatError('IO', 'writeFileAtomic', `cannot write '${path}': ${(e as Error).message}`);
  }
}
