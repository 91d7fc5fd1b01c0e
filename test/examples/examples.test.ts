// The embedding examples (examples/): the Node script, the Deno script and the permission-less
// Deno Web Worker each print an analysis of the demo model (inference, probe, attack) that must
// equal what this process computes from the same bytes. They run against a fresh bundle of the
// library in a temporary copy of the layout they expect (dist/, examples/, web/assets/).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { attackedVerdict, cleanVerdict, expectClose, loadShipped } from '../web/node-reference.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const DENO = join(root, 'node_modules', 'deno', 'deno');
const SAMPLE = 5;

interface Verdict {
  logits: number[];
  prediction: number;
  vulnerability: Record<string, number>;
}
interface Analysis {
  backend: string;
  sample: number;
  label: number;
  clean: Verdict;
  attack: Verdict & { space: string; norm: string; eps: number; steps: number; seed: number };
}

describe('the embedding examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'varmat-examples-'));
  let expected: { label: number; clean: Verdict; attack: Verdict };

  beforeAll(async () => {
    await build({
      entryPoints: [join(root, 'src', 'index.ts')], outfile: join(dir, 'dist', 'varmat.js'),
      bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', logLevel: 'error',
    });
    cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
    cpSync(join(root, 'web', 'assets'), join(dir, 'web', 'assets'), { recursive: true });
    // As in the repository: `import 'varmat'` resolves to the bundle (a package importing itself).
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'varmat', type: 'module', exports: { '.': './dist/varmat.js' } }));

    await vm.init({ backend: 'wasm' });
    const { model, samples } = loadShipped();
    const clean = await cleanVerdict(model, samples, SAMPLE);
    const attack = await attackedVerdict(model, samples, SAMPLE, { space: 'latent', norm: 'l2', eps: 0.2, modalities: model.modalities.slice(), steps: 10, seed: 0 });
    const verdictOf = (v: { logits: number[]; vulnerability: Record<string, number> }) => ({ ...v, prediction: v.logits.indexOf(Math.max(...v.logits)) });
    expected = { label: (samples['test.labels'].data as Int32Array)[SAMPLE], clean: verdictOf(clean), attack: verdictOf(attack) };
    model.dispose();
    vm.setBackend('reference');
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function check(out: Analysis, runtime: string): void {
    expect(out.backend).toBe('wasm');
    expect(out.sample).toBe(SAMPLE);
    expect(out.label).toBe(expected.label);
    expect(out.attack).toMatchObject({ space: 'latent', norm: 'l2', eps: 0.2, steps: 10, seed: 0 });
    for (const k of ['clean', 'attack'] as const) {
      expectClose(out[k].logits, expected[k].logits, 1e-4, `${runtime} ${k} logits`);
      expectClose(Object.values(out[k].vulnerability), Object.values(expected[k].vulnerability), 1e-4, `${runtime} ${k} vulnerability`);
      expect(Object.keys(out[k].vulnerability)).toEqual(['audiospec', 'colorlessimage']);
      expect(out[k].prediction).toBe(expected[k].prediction);
    }
  }

  /** Runs a script with Deno, reading only the temporary folder; its stdout. */
  async function deno(script: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(DENO, ['run', '--no-prompt', '--quiet', '--unstable-worker-options', `--allow-read=${dir}`, join(dir, 'examples', script), ...args], {
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }, timeout: 60_000,
    });
    return stdout;
  }

  it('node.mjs prints the analysis Node computes in-process', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'examples', 'node.mjs'), String(SAMPLE)], { timeout: 60_000 });
    check(JSON.parse(stdout) as Analysis, 'node');
  }, 60_000);

  it('deno.ts (importing the bundle) prints the same analysis', async () => {
    check(JSON.parse(await deno('deno.ts', String(SAMPLE))) as Analysis, 'deno');
  }, 60_000);

  it('worker.mjs, in a Deno Web Worker without any permission, gets the weights as bytes and answers the same', async () => {
    check(JSON.parse(await deno('run-worker.ts', String(SAMPLE))) as Analysis, 'worker');
  }, 60_000);

  it('the worker cannot read files: its only input is the message', async () => {
    // A worker with no permission that tries to read the weights itself must be refused.
    writeFileSync(join(dir, 'examples', 'probe-worker.mjs'), `
      self.onmessage = async () => {
        try { await Deno.readFile(${JSON.stringify(join(dir, 'web', 'assets', 'avmnist-cnn.safetensors'))}); self.postMessage('read'); }
        catch (e) { self.postMessage(e.name); }
      };`);
    writeFileSync(join(dir, 'examples', 'probe-host.ts'), `
      const w = new Worker(new URL('./probe-worker.mjs', import.meta.url), { type: 'module', deno: { permissions: 'none' } });
      w.onmessage = (e) => { console.log(JSON.stringify(e.data)); w.terminate(); };
      w.postMessage(null);`);
    expect(JSON.parse(await deno('probe-host.ts'))).toBe('NotCapable');
  }, 60_000);
});
