// The WebGPU backend's machinery: adapter discovery errors, readSync, device loss, buffer limits,
// the pool (reuse only after the submit completes), batched submits, variant choice, and that the
// embedded WGSL matches shaders/.
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript build script without types
import { readShaderSources, renderShaderModule } from '../../shaders/embed.mjs';
import { VarmatError } from '../../src/errors.js';
import { chooseGemm } from '../../src/backend/webgpu/kernels/gemm-kernels.js';
import { sizeClass } from '../../src/backend/webgpu/size-class.js';
import { createWebGPUBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import { tryNodeBackend } from '../webgpu/node-gpu.js';

const { gpu, reason } = await tryNodeBackend();
afterAll(() => gpu?.destroy());

describe('webgpu without a GPU', () => {
  it('names what was tried when no adapter exists', async () => {
    const fake = { requestAdapter: async () => null } as unknown as GPU;
    const err = await createWebGPUBackend({ gpu: fake }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VarmatError);
    expect((err as VarmatError).code).toBe('BACKEND');
    expect((err as VarmatError).message).toMatch(/no WebGPU adapter: given offered none/);
  });

  it('the embedded WGSL is up to date with shaders/*.wgsl (run node shaders/embed.mjs)', async () => {
    const generated = await readFile(new URL('../../src/backend/webgpu/shaders.generated.ts', import.meta.url), 'utf8');
    expect(generated).toBe(renderShaderModule(await readShaderSources()));
  });

  it('size classes waste at most 25% and are multiples of 16 bytes', () => {
    for (const b of [1, 63, 64, 65, 100, 1000, 4096, 4097, 123457, 2 ** 20 + 1]) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 16).toBe(0);
      expect(c).toBeLessThanOrEqual(Math.max(64, b * 1.25 + 16));
    }
  });

  it('the GEMM variant follows the shape', () => {
    const base = { mode: 0 as const, batch: 1, transA: false, transB: false };
    expect(chooseGemm({ ...base, m: 1, n: 512, k: 512 }).variant).toBe('thread');
    expect(chooseGemm({ ...base, m: 1, n: 100, k: 512 }).variant).toBe('dot');
    expect(chooseGemm({ ...base, m: 8, n: 8, k: 4096 }).variant).toBe('dot');
    expect(chooseGemm({ ...base, m: 40, n: 40, k: 4096 }).variant).toBe('split-k-vec4');
    expect(chooseGemm({ ...base, m: 41, n: 40, k: 4095 }).variant).toBe('split-k');
    expect(chooseGemm({ ...base, m: 256, n: 256, k: 256 }).variant).toBe('tiled-vec4');
    expect(chooseGemm({ ...base, m: 255, n: 255, k: 255 }).variant).toBe('tiled');
    const s = chooseGemm({ ...base, m: 40, n: 40, k: 5000 });
    expect(s.kPerSplit % 32).toBe(0);
    expect(s.splits * s.kPerSplit).toBeGreaterThanOrEqual(5000);
  });
});

describe.skipIf(!gpu)(`webgpu runtime${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  it('describes the adapter', () => {
    expect(gpu!.describe()).toMatch(/^webgpu \(.+\)$/);
    expect(gpu!.supports('float32') && gpu!.supports('int32') && !gpu!.supports('float64')).toBe(true);
    // SwiftShader here; a hardware adapter elsewhere.
    expect(gpu!.software).toBe(/swiftshader|llvmpipe|fallback/i.test(gpu!.describe()));
  });

  it('readSync is a clear error; read is the way back', async () => {
    const h = gpu!.upload(new Float32Array([1, 2]), 'float32');
    expect(() => gpu!.readSync(h)).toThrow(/cannot read synchronously; use 'await t.data\(\)'/);
    expect(Array.from(await gpu!.read(h))).toEqual([1, 2]);
    gpu!.release(h);
  });

  it('refuses buffers over the adapter limit with a clear error and no leak', () => {
    const live = gpu!.liveBuffers();
    const limit = gpu!.rt.device.limits.maxBufferSize;
    expect(() => gpu!.fill(limit, 'float32', 0)).toThrow(/cannot allocate \d+ bytes: the adapter allows buffers of at most/);
    expect(gpu!.liveBuffers()).toBe(live);
  });

  it('records many dispatches per submit and reuses pooled buffers only after completion', async () => {
    const live = gpu!.liveBuffers();
    const submits = gpu!.rt.submitCount;
    let x = gpu!.upload(new Float32Array(1000).fill(1), 'float32');
    for (let i = 0; i < 300; i++) {
      const y = gpu!.unary('neg', x);
      gpu!.release(x);
      x = y;
    }
    expect((await gpu!.read(x))[999]).toBe(1);
    // 300 dispatches at 128 per submit: 3 submits (2 full batches + the read), not 300.
    expect(gpu!.rt.submitCount - submits).toBeLessThanOrEqual(4);
    gpu!.release(x);
    await gpu!.sync();
    const allocated = gpu!.poolStats().allocatedBytes;
    for (let round = 0; round < 3; round++) {
      const hs = Array.from({ length: 20 }, () => gpu!.fill(1000, 'float32', round));
      await gpu!.read(hs[19]);
      hs.forEach((h) => gpu!.release(h));
      await gpu!.sync();
    }
    expect(gpu!.poolStats().allocatedBytes).toBeLessThanOrEqual(allocated + 21 * 4096);
    expect(gpu!.liveBuffers()).toBe(live);
    expect(gpu!.poolStats().inUse).toBeGreaterThanOrEqual(live);
  });

  it('a released buffer is not handed out while submitted work may still use it', async () => {
    const a = gpu!.upload(new Float32Array([5, 6, 7]), 'float32');
    const b = gpu!.unary('square', a);
    gpu!.release(a); // parked until the submit that squares it completes
    const c = gpu!.upload(new Float32Array([9, 9, 9]), 'float32'); // must not overwrite a's data
    expect(Array.from(await gpu!.read(b))).toEqual([25, 36, 49]);
    gpu!.release(b);
    gpu!.release(c);
  });

  it('out-of-range gather / scatterAdd indices raise a VALUE error at the next read-back, once', async () => {
    const x = gpu!.upload(new Float32Array([1, 2, 3, 4, 5, 6]), 'float32');
    const idx = gpu!.upload(new Int32Array([1, 7]), 'int32');
    const y = gpu!.gather(x, [3, 2], idx, 2, 0);
    await expect(gpu!.read(y)).rejects.toThrow(/gather: argument 'indices' expected values in \[0, 2\], received 7/);
    expect(Array.from(await gpu!.read(y))).toEqual([3, 4, 0, 0]);
    const neg = gpu!.upload(new Int32Array([-1, 0]), 'int32');
    const g = gpu!.upload(new Float32Array([1, 1, 1, 1]), 'float32');
    const s = gpu!.scatterAdd(g, neg, 2, [3, 2], 0);
    await expect(gpu!.read(s)).rejects.toThrow(/scatterAdd: argument 'indices' expected values in \[0, 2\], received -1/);
    [x, idx, y, neg, g, s].forEach((h) => gpu!.release(h));
  });

  it('a destroyed device gives clear errors', async () => {
    const own = await createWebGPUBackend({});
    const h = own.upload(new Float32Array([1]), 'float32');
    own.destroy();
    expect(() => own.unary('exp', h)).toThrow(/the WebGPU backend was destroyed/);
    await expect(own.read(h)).rejects.toThrow(/destroyed/);
  });
});
