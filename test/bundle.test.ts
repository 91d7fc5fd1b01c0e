import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const deno = join(root, 'node_modules', '.bin', 'deno');
const dir = mkdtempSync(join(tmpdir(), 'varmat-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What a user script does with the library bundle: WebAssembly backend, a double-backprop
// penalty, async readback. It prints the gradient so runtimes can be compared.
const USER_SCRIPT = `
import * as vm from './varmat.js';
const described = await vm.init({ backend: 'wasm' });
const w = vm.randn([3, 4], { seed: 7 }).requiresGrad_();
const x = vm.randn([5, 3], { seed: 8 });
const loss = vm.crossEntropy(x.matmul(w).gelu(), vm.tensor([0, 3, 1, 2, 3], undefined, { dtype: 'int32' }));
const [gw] = vm.grad([loss], [w], { createGraph: true });
vm.rowNorms(gw, 2).sum().backward();
console.log(JSON.stringify({ described, grad: Array.from(await w.grad.data()) }));
`;

describe('the ESM library bundle', () => {
  it('runs unchanged in Node and Deno with the WebAssembly bytes embedded and no Node built-ins', async () => {
    const result = await build({
      entryPoints: [join(root, 'src', 'index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      outfile: join(dir, 'varmat.js'),
      logLevel: 'error',
      metafile: true,
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('node:'))).toEqual([]);
    writeFileSync(join(dir, 'user.mjs'), USER_SCRIPT);
    const fromNode = JSON.parse(execFileSync(process.execPath, [join(dir, 'user.mjs')], { encoding: 'utf8' }));
    const fromDeno = JSON.parse(execFileSync(deno, ['run', '--no-prompt', '--quiet', '--allow-read', join(dir, 'user.mjs')], {
      encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' },
    }));
    expect(fromNode.described).toMatch(/^wasm/);
    expect(fromDeno.described).toMatch(/^wasm/);
    expect(fromNode.grad).toHaveLength(12);
    expect(fromNode.grad.some((v: number) => v !== 0)).toBe(true);
    // Both runtimes are V8 but may run different SIMD builds (relaxed FMA or not): float32 agreement.
    fromNode.grad.forEach((v: number, i: number) => expect(Math.abs(v - fromDeno.grad[i])).toBeLessThan(1e-5 * (1 + Math.abs(v))));
  });
});
