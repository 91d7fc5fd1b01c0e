import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { CnnLateFusion, presets } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

describe('CnnLateFusion', () => {
  it('LeNet encoders pool to 1x1 with doubling channels; parameter count by hand', () => {
    const cnn = new CnnLateFusion(presets.avmnistCnn(28), { rng: 0 });
    // Per 28x28 encoder: 1->6 (5x5), 6->12, 12->24, 24->48 (3x3), with biases.
    const encoder = (6 * 25 + 6) + (12 * 54 + 12) + (24 * 108 + 24) + (48 * 216 + 48);
    expect(cnn.numParameters()).toBe(2 * encoder + (96 * 100 + 100) + (100 * 10 + 10));
    expect(Object.keys(cnn.stateDict())).toContain('encoders.audiospec.9.weight');
    expect(Object.keys(cnn.stateDict())).toContain('head.2.bias');
    vm.tidy(() => {
      const x = cnn.prepareInputs({
        colorlessimage: { data: new Float32Array(3 * 784).fill(0.5), shape: [3, 28, 28] },
        audiospec: { data: new Float32Array(3 * 784).fill(0.25), shape: [3, 28, 28] },
      });
      expect(x.audiospec.shape).toEqual([3, 1, 28, 28]);
      const z = cnn.encode(x);
      expect(z.colorlessimage.shape).toEqual([3, 48]);
      expect(z.audiospec.shape).toEqual([3, 48]);
      const logits = cnn.fuse(z);
      expect(logits.shape).toEqual([3, 10]);
      expect(Array.from(cnn.forward(x).dataSync())).toEqual(Array.from(logits.dataSync()));
      expect(() => cnn.encode({ ...x, audiospec: vm.zeros([3, 1, 27, 28]) })).toThrowError(/inputs.audiospec/);
      expect(() => cnn.fuse({ ...z, audiospec: vm.zeros([3, 47]) })).toThrowError(/latents.audiospec.*\[B, 48\]/);
    });
    cnn.dispose();
  });

  it('every parameter gets a gradient; a larger spectrogram gets more blocks', () => {
    const cnn = new CnnLateFusion({ classes: 3, width: 2, hidden: 5, modalities: [{ name: 'a', size: [8, 8] }, { name: 'b', size: [16, 16] }] }, { rng: 1, dtype: 'float64' });
    vm.tidy(() => {
      const x = { a: vm.randn([2, 8, 8], { seed: 1, dtype: 'float64' }), b: vm.randn([2, 16, 16], { seed: 2, dtype: 'float64' }) };
      const z = cnn.encode(x);
      expect(z.a.shape).toEqual([2, 8]);
      expect(z.b.shape).toEqual([2, 16]);
      vm.crossEntropy(cnn.forward(x), vm.tensor([0, 2], undefined, { dtype: 'int32' })).backward();
    });
    for (const [name, p] of cnn.namedParameters()) expect(p.grad, name).not.toBeNull();
    cnn.dispose();
    expect(() => new CnnLateFusion({ classes: 2, modalities: [{ name: 'a', size: [8, 8], blocks: 4 }] })).toThrowError(/blocks/);
  });
});
