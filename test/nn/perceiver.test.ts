import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { PerceiverFusion, fourierFeatures, patchesFor, presets, toPatches, tokenWidth, type Parameter } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

/** A small two-modality configuration (1-D and 2-D inputs) that runs fast on the reference backend. */
const tiny = {
  modalities: [
    { name: 'video', channels: 3, axes: [2, 2], bands: 2 },
    { name: 'audio', channels: 5, axes: [3], bands: 1 },
  ],
  classes: 4,
  numLatents: 3,
  latentDim: 8,
  crossDimHead: 4,
  latentHeads: 2,
  latentDimHead: 4,
  fusionHeads: 2,
  fusionDimHead: 4,
  ffMult: 2,
};

describe('PerceiverFusion', () => {
  it('has the paper\'s AV-MNIST parameter counts: 510,402 = 244,792 + 264,064 + 1,546', () => {
    const model = new PerceiverFusion(presets.avmnist, { rng: 0 });
    const count = (ps: Parameter[]): number => ps.reduce((n, p) => n + p.size, 0);
    expect(model.numParameters()).toBe(510_402);
    expect(count(model.encoderParameters())).toBe(244_792);
    expect(count(model.fusionParameters())).toBe(264_064);
    expect(count(model.headParameters())).toBe(1_546);
    expect(model.tokenWidth).toBe(284);
    expect(model.modalities).toEqual(['audiospec', 'colorlessimage']);
    const names = Object.keys(model.stateDict());
    expect(names).toContain('latents');
    expect(names).toContain('layers.0.0.norm_context.weight');
    expect(names).toContain('layers.0.2.latent_blocks.0.0.fn.to_kv.weight');
    expect(names).toContain('cross_layers.0.1.fn.net.3.bias');
    expect(names).toContain('to_logits.1.weight');
    expect(names.length).toBe(57);
    const sd = model.stateDict();
    expect(sd['layers.0.0.fn.to_kv.weight'].shape).toEqual([128, 284]);
    expect(sd['cross_layers.0.0.fn.to_q.weight'].shape).toEqual([256, 64]);
    expect(sd['to_logits.1.weight'].shape).toEqual([10, 128]);
    model.dispose();
  });

  it('encode gives [B, latents, dim] per modality, fuse gives [B, classes]; errors name the modality', () => {
    const model = new PerceiverFusion(tiny, { rng: 1, dtype: 'float64' });
    expect(tokenWidth(tiny)).toBe(Math.max(3 + 2 * 5, 5 + 3) + 2);
    vm.tidy(() => {
      const x = {
        video: vm.randn([2, 2, 2, 3], { seed: 1, dtype: 'float64' }),
        audio: vm.randn([2, 3, 5], { seed: 2, dtype: 'float64' }),
      };
      const z = model.encode(x);
      expect(z.video.shape).toEqual([2, 3, 8]);
      expect(z.audio.shape).toEqual([2, 3, 8]);
      expect(model.fuse(z).shape).toEqual([2, 4]);
      expect(Array.from(model.forward(x).dataSync())).toEqual(Array.from(model.fuse(z).dataSync()));
      // Each sample is independent of the others in the batch.
      const one = model.forward({ video: x.video.slice([1], [1]), audio: x.audio.slice([1], [1]) });
      const both = model.forward(x).slice([1], [1]);
      expect(Math.max(...Array.from(one.sub(both).abs().dataSync()))).toBeLessThan(1e-13);
      expect(() => model.encode({ video: x.video })).toThrowError(/none for 'audio'/);
      expect(() => model.encode({ video: x.video, audio: vm.zeros([2, 3, 4], { dtype: 'float64' }) })).toThrowError(/inputs.audio.*\[B, 3, 5\]/);
      expect(() => model.fuse({ video: z.video, audio: z.audio.slice([0], [1]) })).toThrowError(/latents.video.*batch size 1 like the other modalities/);
    });
    model.dispose();
  });

  it('builds tokens as [data, zeros, Fourier, one-hot] with the one-hot index in constructor order', () => {
    const model = new PerceiverFusion(tiny, { rng: 1, dtype: 'float64' });
    vm.tidy(() => {
      const x = vm.randn([1, 3, 5], { seed: 3, dtype: 'float64' });
      const tok = model.inputTokens('audio', x);
      const width = model.tokenWidth;
      expect(tok.shape).toEqual([1, 3, width]);
      const v = tok.dataSync();
      const xs = x.dataSync();
      const fourier = fourierFeatures([3], 1);
      const pad = width - 2 - 5 - 3;
      for (let n = 0; n < 3; n++) {
        const row = Array.from(v.slice(n * width, (n + 1) * width));
        expect(row.slice(0, 5)).toEqual(Array.from(xs.slice(n * 5, n * 5 + 5)));
        expect(row.slice(5, 5 + pad).every((u) => u === 0)).toBe(true);
        expect(row.slice(5 + pad, 5 + pad + 3)).toEqual(Array.from(fourier.slice(n * 3, n * 3 + 3)));
        expect(row.slice(width - 2)).toEqual([0, 1]);
      }
      const img = model.inputTokens('video', vm.zeros([1, 2, 2, 3], { dtype: 'float64' })).dataSync();
      expect(Array.from(img.slice(width - 2, width))).toEqual([1, 0]);
    });
    model.dispose();
  });

  it('trains end to end: every parameter gets a gradient, and nothing leaks', () => {
    const model = new PerceiverFusion(tiny, { rng: 2, dtype: 'float64' });
    vm.tidy(() => {
      const x = { video: vm.randn([2, 2, 2, 3], { seed: 4, dtype: 'float64' }), audio: vm.randn([2, 3, 5], { seed: 5, dtype: 'float64' }) };
      vm.crossEntropy(model.forward(x), vm.tensor([1, 3], undefined, { dtype: 'int32' })).backward();
    });
    for (const [name, p] of model.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      expect(Math.max(...Array.from(p.grad!.dataSync(), Math.abs)), name).toBeGreaterThan(0);
    }
    model.dispose();
  });
});

describe('Fourier features and patches', () => {
  it('Fourier features: scales 2^(1 - 2k/(nb-1)), [sin, cos, p] per axis, axis 0 first', () => {
    const f = fourierFeatures([7, 7], 6);
    expect(f.length).toBe(49 * 26);
    const scales = [2, 1.5157165665103982, 1.148698354997035, 0.8705505632961241, 0.6597539553864471, 0.5];
    // Cell (i, j) = (1, 5): p0 = -2/3, p1 = 2/3.
    const cell = Array.from(f.slice((7 + 5) * 26, (7 + 6) * 26));
    const block = (p: number): number[] => [...scales.map((s) => Math.sin(Math.PI * s * p)), ...scales.map((s) => Math.cos(Math.PI * s * p)), p];
    const expected = [...block(-2 / 3), ...block(2 / 3)];
    expected.forEach((e, i) => expect(cell[i]).toBeCloseTo(e, 14));
    expect(Array.from(fourierFeatures([3], 3).slice(0, 7))).toEqual([
      Math.sin(-2 * Math.PI), Math.sin(-Math.PI), Math.sin(-0.5 * Math.PI),
      Math.cos(-2 * Math.PI), Math.cos(-Math.PI), Math.cos(-0.5 * Math.PI), -1,
    ]);
  });

  it('toPatches cuts 4x4 patches row-major into channels, and upsamples by nearest neighbour', () => {
    const img = Float32Array.from({ length: 28 * 28 }, (_, i) => i);
    const p = toPatches(img, [1, 28, 28], 7);
    expect(p.shape).toEqual([1, 7, 7, 16]);
    // Patch (i, j) = (2, 3), channel c = 4 a + b holds pixel (4 i + a, 4 j + b).
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) expect(p.data[(2 * 7 + 3) * 16 + a * 4 + b]).toBe((8 + a) * 28 + 12 + b);
    const up = toPatches(img, [1, 28, 28], 7, 4);
    expect(up.shape).toEqual([1, 7, 7, 256]);
    // Upsampled channel (a, b) of a 16x16 patch holds pixel (4 i + a / 4, 4 j + b / 4).
    for (const [a, b] of [[0, 0], [5, 9], [15, 15]]) {
      expect(up.data[(2 * 7 + 3) * 256 + a * 16 + b]).toBe((8 + Math.floor(a / 4)) * 28 + 12 + Math.floor(b / 4));
    }
    const spec112 = Float32Array.from({ length: 112 * 112 }, (_, i) => i % 97);
    expect(patchesFor(spec112, [1, 112, 112], [7, 7], 256).shape).toEqual([1, 7, 7, 256]);
    expect(patchesFor(img, [1, 28, 28], [7, 7], 256).data).toEqual(up.data);
    const ready = new Float32Array(2 * 49 * 16);
    expect(patchesFor(ready, [2, 7, 7, 16], [7, 7], 16).data).toBe(ready);
    expect(() => patchesFor(new Float32Array(30 * 30), [1, 30, 30], [7, 7], 256)).toThrowError(/multiple of 7/);
    expect(() => patchesFor(new Float32Array(21 * 21), [1, 21, 21], [7, 7], 256)).toThrowError(/upsampled by an integer/);
  });

  it('prepareInputs turns raw AV-MNIST arrays into the preset\'s patch layout', () => {
    const model = new PerceiverFusion(presets.avmnist, { rng: 0 });
    vm.tidy(() => {
      const x = model.prepareInputs({
        colorlessimage: { data: new Float32Array(2 * 28 * 28), shape: [2, 28, 28] },
        audiospec: { data: new Float32Array(2 * 28 * 28), shape: [2, 28, 28] },
      });
      expect(x.colorlessimage.shape).toEqual([2, 7, 7, 16]);
      expect(x.audiospec.shape).toEqual([2, 7, 7, 256]);
    });
    model.dispose();
  });
});

describe('PerceiverFusion with one modality', () => {
  it('classifies the last latent token of the single modality (no fusion layers)', () => {
    const one = new PerceiverFusion({ ...presets.avmnist, modalities: [presets.avmnist.modalities[0]] }, { rng: 0 });
    const two = new PerceiverFusion(presets.avmnist, { rng: 0 });
    const count = (ps: Parameter[]): number => ps.reduce((n, p) => n + p.size, 0);
    expect(one.fusionParameters()).toEqual([]);
    expect(count(one.headParameters())).toBe(2 * 64 + 64 * 10 + 10);
    // The token width loses the other modality's wider data (256 -> 16 channels) and one one-hot slot.
    expect(one.tokenWidth).toBe(16 + 26 + 1);
    expect(count(one.encoderParameters())).toBe(count(two.encoderParameters()) - (284 - 43) * (128 + 2));
    vm.tidy(() => {
      const x = vm.randn([2, 7, 7, 16], { seed: 1 });
      const z = one.encode({ colorlessimage: x });
      expect(one.fuse(z).shape).toEqual([2, 10]);
      const expected = one.head.forward(z.colorlessimage.slice([0, 19, 0], [2, 1, 64]).reshape([2, 64]));
      expect(Array.from(one.fuse(z).dataSync())).toEqual(Array.from(expected.dataSync()));
    });
    one.dispose();
    two.dispose();
  });
});
