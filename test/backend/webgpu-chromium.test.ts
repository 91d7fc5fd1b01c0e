// The WebGPU kernel suite in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; never a downloaded browser) with --enable-unsafe-webgpu on SwiftShader. The
// bundle is served from 127.0.0.1 (WebGPU needs a secure context) and reports on the page console.
// The browser and the server are stopped afterwards. Skips (and says why) without chromium or an
// adapter, unless VARMAT_REQUIRE_WEBGPU=1.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSuite, parseSuiteLine, type SuiteLine } from '../webgpu/bundle-suite.js';
import { REQUIRE_WEBGPU } from '../webgpu/node-gpu.js';
import { casePassed, summarize, type CaseReport } from '../webgpu/run-suite.js';

const CHROMIUM = '/usr/bin/chromium';
/** The flags that work on these machines (DESIGN.md, Environment), plus WebGPU. */
const FLAGS = [
  '--no-sandbox', '--disable-gpu-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu',
];
const missing = existsSync(CHROMIUM) ? '' : `no ${CHROMIUM} (run .ci/install-webgpu.sh)`;
if (missing && REQUIRE_WEBGPU) throw new Error(`VARMAT_REQUIRE_WEBGPU=1 but the Chromium WebGPU suite cannot run: ${missing}`);
if (missing) console.warn(`webgpu chromium suite skipped: ${missing}`);

const PAGE = '<!doctype html><meta charset="utf-8"><title>varmat webgpu suite</title><script type="module" src="/suite.js"></script>';

/** Serves the page and the bundle on 127.0.0.1 only. */
function serve(bundle: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else if (path === '/suite.js') {
      readFile(bundle).then((js) => {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(js);
      }, () => { res.writeHead(500); res.end(); });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!!missing)(`webgpu kernels in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let bundle: Awaited<ReturnType<typeof bundleSuite>>;
  let server: Server | undefined;
  let browser: BrowserContext | undefined;
  let profile = '';
  const lines: SuiteLine[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    bundle = await bundleSuite();
    server = await serve(bundle.file);
    profile = await mkdtemp(join(tmpdir(), 'varmat-chromium-'));
    // A fresh, empty profile (--user-data-dir) per run.
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
    const page = await browser.newPage();
    const finished = new Promise<void>((resolve) => {
      page.on('console', (m) => {
        const parsed = parseSuiteLine(m.text());
        if (!parsed) return;
        lines.push(parsed);
        if (parsed.type !== 'case') resolve();
      });
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`the page did not finish within 240 s (${lines.length} lines)`)), 240_000))]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (profile) await rm(profile, { recursive: true, force: true });
    await bundle?.cleanup();
  });

  it('finds an adapter and runs every case: all match the float64 reference, no leaks', () => {
    const fatal = lines.find((l) => l.type === 'fatal');
    if (fatal && fatal.type === 'fatal' && /no WebGPU/.test(fatal.message) && !REQUIRE_WEBGPU) {
      console.warn(`webgpu chromium suite: no adapter (${fatal.message})`);
      return;
    }
    expect(fatal, `page: ${JSON.stringify(fatal)} ${pageErrors.join('; ')}`).toBeUndefined();
    const reports: CaseReport[] = lines.flatMap((l) => (l.type === 'case' ? [l.report] : []));
    const bad = reports.filter((r) => !casePassed(r)).map((r) => `${r.name}: ${r.error ?? ''} ${r.results.filter((x) => !x.pass).map((x) => `${x.name} ${x.error} ${x.detail ?? ''}`).join('; ')}`);
    expect(bad.join('\n')).toBe('');
    expect(reports.length).toBeGreaterThanOrEqual(25);
    const done = lines.find((l) => l.type === 'done');
    if (done?.type === 'done') console.log(`chromium: ${done.passed} cases passed on ${done.description}\n${summarize(reports)}`);
  });
});
