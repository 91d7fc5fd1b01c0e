/**
 * The on-disk cache of built datasets. A build is keyed by the SHA-256 of everything that determines
 * it (input checksums, options, builder version); the file is `<cacheDir>/<prefix>-<key>.vmds`, written
 * atomically (temporary file + rename). Changing an input or option changes the key, so the dataset is
 * rebuilt; a damaged cache file is ignored and rebuilt.
 */

import type { DataIO } from './data-io.js';
import type { Dataset } from './dataset.js';
import { decodeDatasets, encodeDatasets } from './dataset-file.js';
import { sha256Hex } from './sha256.js';

/** Where to cache: true = the platform's default folder, a string = that folder, false = no cache. */
export type CacheOption = boolean | string;

/** The result of `cachedBuild`. */
export interface CachedBuild<Info> {
  splits: Record<string, Dataset>;
  info: Info;
  /** Whether the splits came from the cache. */
  fromCache: boolean;
  key: string;
  /** The cache file, when caching is on. */
  path?: string;
}

/**
 * Returns the cached build for `keyMaterial` if there is a valid one, else runs `build` and caches it.
 *
 * @example
 * const r = await cachedBuild(io, true, 'avmnist', { options, inputs }, async () => ({ splits, info }));
 */
export async function cachedBuild<Info>(
  io: DataIO,
  cache: CacheOption | undefined,
  prefix: string,
  keyMaterial: unknown,
  build: () => Promise<{ splits: Record<string, Dataset>; info: Info }>,
): Promise<CachedBuild<Info>> {
  const key = await sha256Hex(new TextEncoder().encode(JSON.stringify(keyMaterial)));
  const dir = cache === false ? undefined : typeof cache === 'string' ? cache : io.locations.cacheDir;
  const path = dir !== undefined && io.writeFileAtomic !== undefined ? io.join(dir, `${prefix}-${key.slice(0, 24)}.vmds`) : undefined;
  if (path !== undefined && (await io.exists(path))) {
    try {
      const decoded = await decodeDatasets(await io.readFile(path), path);
      const stored = decoded.info as { key?: string; info?: Info };
      if (stored.key === key && stored.info !== undefined) return { splits: decoded.splits, info: stored.info, fromCache: true, key, path };
    } catch {
      // A damaged or foreign file: rebuild and overwrite it.
    }
  }
  const built = await build();
  if (path !== undefined) await io.writeFileAtomic!(path, await encodeDatasets(built.splits, { key, info: built.info }));
  return { ...built, fromCache: false, key, ...(path !== undefined ? { path } : {}) };
}
