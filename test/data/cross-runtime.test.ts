import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';


const here = dirname(fileURLToPath(import.meta.url));
const deno = resolve(here, '..', '..', 'node_modules', '.bin', 'deno');

// The data layer promises the same bytes on every platform; Deno (a dev dependency) stands in for
// "not Node": the bundle may use only web-standard APIs.
describe('platform-free data code', () => {
  it('gives bit-identical results under Node and Deno', async () => {
    expect(existsSync(deno)).toBe(true);
    const out = join(tempDir('varmat-xrt-'), 'entry.mjs');
    await build({ entryPoints: [join(here, 'fixtures', 'cross-runtime-entry.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
    const fromNode = execFileSync(process.execPath, [out], { encoding: 'utf8' }).trim();
    const fromDeno = execFileSync(deno, ['run', '--no-prompt', '--quiet', out], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }).trim();
    expect(fromNode).toMatch(/^[0-9a-f]{64}$/);
    expect(fromDeno).toBe(fromNode);
  });
});
