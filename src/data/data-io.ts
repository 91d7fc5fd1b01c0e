/**
 * The file access that dataset loaders need, as an interface, so that the parsing and building code
 * stays platform-free. Node gets an implementation in `node-fs.ts`; a browser or Deno app can pass its
 * own (for example one built on `fetch`).
 */

/** Where the built-in datasets live by default on this platform. Every field is optional. */
export interface DataLocations {
  /** Folder with the four MNIST IDX files. */
  mnistDir?: string;
  /** Folder of the Free Spoken Digit Dataset (the folder holding `recordings/`, or `recordings/` itself). */
  fsddDir?: string;
  /** Folder of the embedded synthetic spoken-digit pool (`index.json` + `audio.bin`). */
  synthDir?: string;
  /** Folder for cached built datasets. */
  cacheDir?: string;
}

/** File-system access for the data layer. Paths are whatever strings the implementation understands. */
export interface DataIO {
  /** Reads a whole file; rejects with a `VarmatError` of code `IO` when it is missing. */
  readFile(path: string): Promise<Uint8Array>;
  /** Lists the entry names (not paths) in a folder; rejects with code `IO` when it is missing. */
  listDir(path: string): Promise<string[]>;
  /** Whether a file or folder exists. */
  exists(path: string): Promise<boolean>;
  /** Joins path segments. */
  join(...parts: string[]): string;
  /** Writes a file atomically (temporary file, then rename). Optional: without it nothing is cached. */
  writeFileAtomic?(path: string, bytes: Uint8Array): Promise<void>;
  /** Default locations of the built-in datasets. */
  locations: DataLocations;
}

/**
 * Returns the Node implementation of `DataIO`, loaded lazily so that importing the data layer in a
 * browser does not pull in `node:fs`.
 *
 * @example
 * const io = await defaultDataIO();
 * const bytes = await io.readFile(io.join(io.locations.synthDir!, 'index.json'));
 */
export async function defaultDataIO(): Promise<DataIO> {
  const mod = await import('./node-fs.js');
  return mod.nodeDataIO();
}
