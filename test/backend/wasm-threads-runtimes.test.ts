// The threaded WebAssembly backend outside Node: Web Workers over shared memory in Deno 2 (npm
// package `deno`) and in headless Chromium (Debian's /usr/bin/chromium via playwright-core) on a
// cross-origin-isolated page; on a page that is not isolated it must fall back to one thread and
// say why. The probe (wasm-threads-probe.ts) is bundled with esbuild and prints one line.
// Skips (and says why) where deno or chromium is missing, unless CI=true.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DENO = fileURLToPath(new URL('../../node_modules/deno/deno', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const noDeno = existsSync(DENO) ? '' : `no deno binary at ${DENO} (npm install)`;
const noChromium = existsSync(CHROMIUM) ? '' : `no ${CHROMIUM} (run .ci/install-webgpu.sh)`;
if (process.env.CI && (noDeno || noChromium)) throw new Error(`CI: the threaded-wasm runtime checks cannot run: ${noDeno || noChromium}`);

interface ProbeLine { threads: number; describe: string; mismatches: string[]; kernels: number; crossOriginIsolated: boolean | null }

function parse(text: string): ProbeLine | null {
  const at = text.indexOf('varmat-threads ');
  return at < 0 ? null : (JSON.parse(text.slice(at + 'varmat-threads '.length)) as ProbeLine);
}

let dir = '';
let bundle = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varmat-threads-'));
  bundle = join(dir, 'probe.js');
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./wasm-threads-probe.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', outfile: bundle, logLevel: 'error',
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!!noDeno)(`threaded wasm in Deno${noDeno ? ` (skipped: ${noDeno})` : ''}`, () => {
  it('runs two threads (module Web Workers) with results bit-identical to one thread', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(DENO, ['run', '--no-prompt', `--allow-read=${dir}`, bundle], {
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`deno timed out: ${text}`)); }, 60_000);
      child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { text += d.toString(); });
      child.on('close', () => { clearTimeout(timer); resolve(text); });
    });
    const line = parse(out);
    expect(line, out).not.toBeNull();
    expect(line!.threads, line!.describe).toBe(2);
    expect(line!.mismatches).toEqual([]);
  }, 90_000);
});

/** Serves the probe page, with or without the headers that make it cross-origin isolated. */
function serve(isolated: boolean): Promise<Server> {
  const headers = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html', ...headers });
      res.end('<!doctype html><meta charset="utf-8"><title>varmat threads</title><script type="module" src="/probe.js"></script>');
    } else if (path === '/probe.js') {
      readFile(bundle).then((js) => {
        res.writeHead(200, { 'content-type': 'text/javascript', ...headers });
        res.end(js);
      }, () => { res.writeHead(500); res.end(); });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runPage(isolated: boolean): Promise<ProbeLine> {
  const server = await serve(isolated);
  const profile = await mkdtemp(join(tmpdir(), 'varmat-threads-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const got = new Promise<ProbeLine>((resolve) => {
      page.on('console', (m) => {
        const line = parse(m.text());
        if (line) resolve(line);
      });
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    return await Promise.race([got, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no probe line within 60 s; page errors: ${errors.join('; ')}`)), 60_000))]);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(profile, { recursive: true, force: true });
  }
}

describe.skipIf(!!noChromium)(`threaded wasm in headless Chromium${noChromium ? ` (skipped: ${noChromium})` : ''}`, () => {
  it('runs two threads on a cross-origin-isolated page, bit-identical to one thread', async () => {
    const line = await runPage(true);
    expect(line.crossOriginIsolated).toBe(true);
    expect(line.threads, line.describe).toBe(2);
    expect(line.mismatches).toEqual([]);
  }, 120_000);

  it('falls back to one thread on a page that is not isolated, and says why', async () => {
    const line = await runPage(false);
    expect(line.crossOriginIsolated).toBe(false);
    expect(line.threads).toBe(1);
    expect(line.describe).toMatch(/single-threaded \(2 threads asked: (no SharedArrayBuffer|the page is not cross-origin isolated)/);
    expect(line.mismatches).toEqual([]);
  }, 120_000);
});
