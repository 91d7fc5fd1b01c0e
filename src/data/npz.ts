/**
 * A reader for NumPy's `.npz` archives (`np.savez` and `np.savez_compressed`): a ZIP of `.npy` files.
 */

import { parseNpy, type NpyArray } from './npy.js';
import { extractZipEntry, readZipEntries } from './zip.js';

/**
 * Parses an `.npz` archive into arrays keyed by name (without the `.npy` suffix).
 *
 * @example
 * const arrays = await parseNpz(bytes, 'train.npz');
 * arrays.vision.shape; // [16326, 50, 35]
 */
export async function parseNpz(bytes: Uint8Array, name = '.npz file'): Promise<Record<string, NpyArray>> {
  const out: Record<string, NpyArray> = {};
  for (const entry of readZipEntries(bytes, name)) {
    if (entry.name.endsWith('/')) continue;
    const key = entry.name.replace(/\.npy$/, '');
    out[key] = parseNpy(await extractZipEntry(entry, name), `${name}:${entry.name}`);
  }
  return out;
}
