// The demo page (web/) in Debian's headless Chromium, driven by playwright-core (never a downloaded
// browser), served from 127.0.0.1: a prediction and attacks on WebAssembly and on WebGPU must show
// the numbers this Node process computes from the same weights and samples; live training, a
// corrupt weights file and a browser with neither WebGPU nor WebAssembly are checked too.
// Screenshots go to test-artifacts/. Skips (and says why) without chromium, unless
// VARMAT_REQUIRE_WEBGPU=1; a missing WebGPU adapter is then a failure too.
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { buildDemo } from '../../web/build.js';
import { startDemoServer, type DemoServer } from '../../web/server.js';
import type { DemoSnapshot } from '../../web/src/main.js';
import { REQUIRE_WEBGPU } from '../webgpu/node-gpu.js';
import { attackedVerdict, batchOf, cleanVerdict, expectClose, loadShipped } from './node-reference.js';

const CHROMIUM = '/usr/bin/chromium';
/** The flags that work on these machines (DESIGN.md, Environment), plus WebGPU. */
const FLAGS = [
  '--no-sandbox', '--disable-gpu-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu',
];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const missing = existsSync(CHROMIUM) ? '' : `no ${CHROMIUM} (run .ci/install-webgpu.sh)`;
if (missing && REQUIRE_WEBGPU) throw new Error(`VARMAT_REQUIRE_WEBGPU=1 but the demo page test cannot run: ${missing}`);
if (missing) console.warn(`demo page test skipped: ${missing}`);

/** An input-space joint L2 attack and a latent attack on the audio alone, as the page's controls set them. */
const ATTACKS = [
  { controls: { space: 'input', norm: 'l2', target: 'joint', eps: '0.4' }, settings: { space: 'input', norm: 'l2', eps: 2, modalities: ['audiospec', 'colorlessimage'], steps: 10, seed: 0 } },
  { controls: { space: 'latent', norm: 'l2', target: 'audiospec', eps: '0.5' }, settings: { space: 'latent', norm: 'l2', eps: 0.5, modalities: ['audiospec'], steps: 10, seed: 0 } },
] as const;
const SAMPLE = 3;

describe.skipIf(!!missing)(`the demo page in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let demo: DemoServer | undefined;
  let browser: BrowserContext | undefined;
  let profile = '';
  let shipped: ReturnType<typeof loadShipped>;

  beforeAll(async () => {
    await vm.init({ backend: 'wasm' });
    shipped = loadShipped();
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildDemo();
    demo = await startDemoServer();
    profile = await mkdtemp(join(tmpdir(), 'varmat-demo-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    shipped?.model.dispose();
    vm.setBackend('reference');
  });

  /** Opens the page and waits until it is ready, failed or unsupported. */
  async function open(query: string, setup?: (page: Page) => Promise<void>): Promise<{ page: Page; snap: DemoSnapshot; errors: string[] }> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await setup?.(page);
    await page.goto(`${demo!.url}${query}`);
    return { page, snap: await settled(page), errors };
  }

  async function settled(page: Page): Promise<DemoSnapshot> {
    await page.waitForFunction(() => ['ready', 'error', 'unsupported'].includes(document.body.dataset.status ?? ''), undefined, { timeout: 60_000 });
    return page.evaluate(() => window.__varmat);
  }

  /** Sets the attack controls as a user would, clicks Attack and returns the page's numbers. */
  async function attackIn(page: Page, c: (typeof ATTACKS)[number]['controls']): Promise<DemoSnapshot> {
    await page.selectOption('#space', c.space);
    await page.selectOption('#norm', c.norm);
    await page.selectOption('#target', c.target);
    await page.$eval('#eps', (e, v) => { (e as HTMLInputElement).value = v; e.dispatchEvent(new Event('input')); }, c.eps);
    await page.click('#attack');
    await page.waitForFunction(() => document.body.dataset.status !== 'busy' && window.__varmat.attack !== null, undefined, { timeout: 60_000 });
    return settled(page);
  }

  /** A prediction and both attacks in the page on `backend`, checked against Node. */
  async function checkBackend(backend: 'wasm' | 'webgpu'): Promise<void> {
    const { page, snap, errors } = await open(`?backend=${backend}&sample=${SAMPLE}`);
    try {
      if (backend === 'webgpu' && snap.status === 'error' && !snap.support?.webgpu && !REQUIRE_WEBGPU) {
        console.warn(`demo page on WebGPU skipped: ${snap.message}`);
        return;
      }
      expect(snap.status, `${snap.message} ${errors.join('; ')}`).toBe('ready');
      expect(snap.backend).toBe(backend);
      expect(snap.sample).toEqual({ index: SAMPLE, label: (shipped.samples['test.labels'].data as Int32Array)[SAMPLE] });
      const clean = await cleanVerdict(shipped.model, shipped.samples, SAMPLE);
      expectClose(snap.clean!.logits, clean.logits, 1e-4, `${backend} clean logits`);
      expectClose(Object.values(snap.clean!.vulnerability), Object.values(clean.vulnerability), 1e-4, `${backend} clean vulnerability`);
      expect(await page.getAttribute('#clean-prediction', 'data-prediction')).toBe(String(clean.logits.indexOf(Math.max(...clean.logits))));
      const timings = [`load ${snap.timings.loadMs.toFixed(0)} ms`, `predict ${snap.timings.predictMs.toFixed(1)} ms`];
      for (const a of ATTACKS) {
        const after = await attackIn(page, a.controls);
        expect(after.status, after.message).toBe('ready');
        expect(after.attack!.settings).toEqual(a.settings);
        const expected = await attackedVerdict(shipped.model, shipped.samples, SAMPLE, { ...a.settings, modalities: [...a.settings.modalities] });
        expectClose(after.attack!.logits, expected.logits, 1e-4, `${backend} ${a.settings.space} attack logits`);
        expectClose(Object.values(after.attack!.vulnerability), Object.values(expected.vulnerability), 1e-4, `${backend} ${a.settings.space} attack vulnerability`);
        expect(await page.getAttribute('#attack-prediction', 'data-prediction')).toBe(String(after.attack!.prediction));
        expect(await page.isVisible('#perturbed')).toBe(a.settings.space === 'input');
        timings.push(`${a.settings.space} attack ${after.timings.attackMs.toFixed(1)} ms`);
        if (a.settings.space === 'input') await page.screenshot({ path: join(ARTIFACTS, `demo-${backend}.png`), fullPage: true });
        // Attacks free everything they make: only the model's parameters stay alive.
        expect(after.liveTensors, 'live tensors after an attack').toBe(snap.liveTensors);
      }
      expect(snap.liveTensors).toBe(shipped.model.parameters().length);
      // Switching the backend (WebGPU -> WebAssembly) or the sample in the page keeps the numbers right.
      if (backend === 'webgpu') {
        // Training runs on a WebAssembly copy; the trained weights come back to the WebGPU model.
        await page.fill('#steps', '1');
        await page.click('#train');
        await page.waitForFunction(() => window.__varmat.training.length === 1 && document.body.dataset.status !== 'busy', undefined, { timeout: 60_000 });
        const trained = await settled(page);
        expect(trained.status, trained.message).toBe('ready');
        expect(trained.backend).toBe('webgpu');
        expect(trained.weights).toMatch(/after 1 training step$/);
        expect(trained.clean!.logits).not.toEqual(snap.clean!.logits);
        await page.click('#reset');
        await page.waitForFunction(() => window.__varmat.training.length === 0 && document.body.dataset.status === 'ready', undefined, { timeout: 60_000 });
        expectClose((await settled(page)).clean!.logits, clean.logits, 1e-4, 'webgpu logits after reset');
        await page.selectOption('#backend', 'wasm');
        await page.waitForFunction(() => window.__varmat.backend === 'wasm' && document.body.dataset.status === 'ready', undefined, { timeout: 60_000 });
      } else {
        await page.selectOption('#sample', '7');
        await page.waitForFunction(() => window.__varmat.sample?.index === 7 && document.body.dataset.status === 'ready', undefined, { timeout: 60_000 });
      }
      const switched = await settled(page);
      const index = switched.sample!.index;
      expectClose(switched.clean!.logits, (await cleanVerdict(shipped.model, shipped.samples, index)).logits, 1e-4, `${switched.backend} sample ${index} after switching`);
      expect(switched.attack).toBeNull();
      console.log(`demo page on ${backend} (${snap.backendDescription}): ${timings.join(', ')}`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }

  it('predicts and attacks on WebAssembly with the numbers Node computes', () => checkBackend('wasm'), 60_000);

  it('predicts and attacks on WebGPU with the numbers Node computes', () => checkBackend('webgpu'), 90_000);

  it('trains VARMAT steps live (on WebAssembly): the first step equals robustStep in Node, and the page uses the trained weights', async () => {
    const { page, snap } = await open('?backend=wasm&sample=0');
    try {
      expect(snap.status, snap.message).toBe('ready');
      await page.selectOption('#method', 'varmat');
      await page.fill('#alpha', '10');
      await page.fill('#steps', '3');
      await page.click('#train');
      await page.waitForFunction(() => window.__varmat.training.length === 3 && document.body.dataset.status !== 'busy', undefined, { timeout: 60_000 });
      const after = await settled(page);
      expect(after.status, after.message).toBe('ready');
      // Node: the same first step (batch 0..15, epoch 0, FGSM-RS seed 0) from the shipped weights.
      const b = batchOf(shipped.samples, 'train', 0, 16);
      const fresh = loadShipped().model;
      const r = vm.robust.robustStep(fresh, vm.attacks.fgsmRs({ seed: 0 }), b.inputs, b.labels, Int32Array.from({ length: 16 }, (_, i) => i), 0, { at: 'varmat', alpha: 10 });
      fresh.dispose();
      vm.dispose([b.inputs, b.labels]);
      const first = after.training[0];
      expectClose([first.loss, first.ce, first.penalty, first.robustAccuracy], [r.loss, r.ce, r.penalty, r.correct / r.samples], 1e-4, 'first step');
      expectClose(Object.values(first.vulnerability), r.vulnerability!, 1e-4, 'first step vulnerability');
      expect(after.training.map((s) => s.step)).toEqual([1, 2, 3]);
      expect(after.training.every((s) => s.method === 'varmat' && s.penalty > 0 && Number.isFinite(s.loss))).toBe(true);
      expect(after.weights).toMatch(/after 3 training steps/);
      expect(after.clean!.logits).not.toEqual(snap.clean!.logits);
      expect(await page.locator('#chart-loss polyline').count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-training.png'), fullPage: true });
      console.log(`demo page training: ${after.training.map((s) => `${s.ms.toFixed(0)} ms`).join(', ')} per step`);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('says clearly when the weights file is corrupt or does not fit (URL and file input)', async () => {
    const wrong = await open('?backend=wasm&weights=assets/avmnist-samples.safetensors');
    expect(wrong.snap.status).toBe('error');
    expect(wrong.snap.message).toBe("The demo could not start: the weights file assets/avmnist-samples.safetensors holds 'train.labels' as I32; the demo's weights are F32");
    expect(await wrong.page.textContent('#message')).toBe(wrong.snap.message);
    expect(await wrong.page.isVisible('#message')).toBe(true);
    await wrong.page.close();

    const absent = await open('?backend=wasm&weights=assets/none.safetensors');
    expect(absent.snap.status).toBe('error');
    expect(absent.snap.message).toMatch(/cannot fetch the weights from assets\/none\.safetensors: HTTP 404/);
    await absent.page.close();

    const { page, snap } = await open('?backend=wasm');
    try {
      expect(snap.status, snap.message).toBe('ready');
      const garbage = Buffer.from('this is not a safetensors file at all, just some text');
      await page.setInputFiles('#weights-file', { name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: garbage });
      const after = await settled(page);
      expect(after.status).toBe('error');
      expect(after.message).toMatch(/^cannot use this weights file: the weights file 'broken\.safetensors' is not a valid safetensors file: /);
      expect(await page.isVisible('#message')).toBe(true);
      // The previous model stays usable.
      expect(after.weights).toBe('assets/avmnist-cnn.safetensors');
      const misfit = vm.encodeSafetensors({ 'head.0.weight': { shape: [2, 2], data: new Float32Array(4) } });
      await page.setInputFiles('#weights-file', { name: 'other.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(misfit) });
      const again = await settled(page);
      expect(again.status).toBe('error');
      expect(again.message).toMatch(/^cannot use this weights file: the weights file 'other\.safetensors' does not fit the demo's CNN \(audiospec \+ colorlessimage, 10 classes\): .*'head\.0\.weight' has shape \[2, 2\], expected \[100, 96\].*missing keys/);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-corrupt-weights.png'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('says clearly when the browser has neither WebGPU nor WebAssembly', async () => {
    const { page, snap, errors } = await open('', async (p) => {
      await p.addInitScript(() => {
        Reflect.deleteProperty(globalThis, 'WebAssembly');
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
      });
    });
    try {
      expect(snap.status, errors.join('; ')).toBe('unsupported');
      expect(snap.message).toMatch(/This browser cannot run varmat: it has neither WebGPU .* nor WebAssembly/);
      expect(await page.isVisible('#message')).toBe(true);
      expect(await page.isVisible('#app')).toBe(false);
      expect(await page.isVisible('#backend')).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-unsupported.png') });
    } finally {
      await page.close();
    }
  }, 60_000);
});
