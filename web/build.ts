// Bundles the demo page (web/src/main.ts, with the library from source) into web/dist/app.js.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The web/ folder. */
export const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));

/** What `buildDemo` wrote. */
export interface DemoBuild {
  file: string;
  bytes: number;
}

/**
 * Bundles the page's script for browsers (ES2022 modules, minified, with a source map).
 *
 * @example
 * const { file, bytes } = await buildDemo();
 */
export async function buildDemo(outfile = fileURLToPath(new URL('./dist/app.js', import.meta.url))): Promise<DemoBuild> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./src/main.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'error',
    metafile: true,
  });
  const out = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.js'));
  return { file: outfile, bytes: out ? out[1].bytes : 0 };
}
