import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { blobs, linearModel } from '../attacks/helpers.js';
import { probe } from '../../src/robust/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

const P = { dtype: 'float64' as const, backend: 'reference' as const };
checkNoLeaks();

describe('probe structure', () => {
  it('reordering the modalities reorders the vulnerability columns', () => {
    const model = linearModel(P, 2);
    const data = blobs(5, 1, P);
    vm.tidy(() => {
      const z = model.encode(data.inputs);
      const ab = Array.from(probe(model, z, data.labels).dataSync());
      const swapped = { modalities: ['b', 'a'], encode: model.encode, fuse: model.fuse };
      const ba = Array.from(probe(swapped, z, data.labels).dataSync());
      for (let b = 0; b < 5; b++) {
        expect(ba[2 * b]).toBe(ab[2 * b + 1]);
        expect(ba[2 * b + 1]).toBe(ab[2 * b]);
      }
      // Linear model: g_m[b] = (1/B) W_m^T (softmax_b - onehot_b), so V > 0 and differs across modalities.
      expect(ab.every((v) => v > 0)).toBe(true);
    });
    vm.dispose([...Object.values(data.inputs), data.labels]);
    model.dispose();
  });

  it('with one modality, sum V / B is the batch mean of per-sample gradient norms of the batch-mean loss', () => {
    const model = linearModel(P, 3);
    const data = blobs(4, 2, P);
    vm.tidy(() => {
      const z = model.encode(data.inputs);
      const one = { modalities: ['a'], encode: model.encode, fuse: (l: Readonly<Record<string, vm.Tensor>>) => model.fuse({ a: l.a, b: z.b }) };
      const V = probe(one, z, data.labels);
      expect(V.shape).toEqual([4, 1]);
      const za = z.a.detach().requiresGrad_();
      const [g] = vm.grad([vm.crossEntropy(one.fuse({ a: za }), data.labels)], [za]);
      const gd = g!.dataSync();
      const v = V.dataSync();
      for (let b = 0; b < 4; b++) {
        let s = 0;
        for (let i = 0; i < 6; i++) s += gd[b * 6 + i] ** 2;
        expect(v[b]).toBeCloseTo(Math.sqrt(s), 14);
      }
    });
    vm.dispose([...Object.values(data.inputs), data.labels]);
    model.dispose();
  });
});
