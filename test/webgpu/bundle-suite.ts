// Builds the kernel-suite bundle (suite-entry.ts) with esbuild into a fresh temporary folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Bundles the suite for browsers and Deno; returns the file and a cleanup function. */
export async function bundleSuite(): Promise<{ dir: string; file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'varmat-webgpu-suite-'));
  const file = join(dir, 'suite.js');
  await build({
    entryPoints: [fileURLToPath(new URL('./suite-entry.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** One parsed line of the suite's output. */
export type SuiteLine =
  | { type: 'case'; report: import('./run-suite.js').CaseReport }
  | { type: 'done'; description: string; passed: number; failed: number }
  | { type: 'fatal'; message: string };

/** Parses a console line of the suite (null for other lines). */
export function parseSuiteLine(line: string): SuiteLine | null {
  const at = line.indexOf('VARMAT-SUITE ');
  if (at < 0) return null;
  return JSON.parse(line.slice(at + 'VARMAT-SUITE '.length)) as SuiteLine;
}
