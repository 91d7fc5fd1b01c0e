import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

describe('backward and .grad', () => {
  it('accumulates into .grad across calls, as PyTorch does', () => {
    const w = vm.tensor([1, 2, 3]).requiresGrad_();
    vm.tidy(() => w.square().sum().backward());
    expect(w.grad!.toArray()).toEqual([2, 4, 6]);
    vm.tidy(() => w.mul(3).sum().backward());
    expect(w.grad!.toArray()).toEqual([5, 7, 9]);
    w.dispose(); // frees .grad too
  });

  it('sums the gradient of a tensor used several times', () => {
    vm.tidy(() => {
      const x = vm.tensor([2]).requiresGrad_();
      const y = x.mul(x).add(x).add(x.exp());
      const [g] = vm.grad([y.sum()], [x]);
      expect(g!.item()).toBeCloseTo(2 * 2 + 1 + Math.exp(2), 5);
    });
  });

  it('frees the graph after backward unless retainGraph, with a clear error on reuse', () => {
    vm.tidy(() => {
      const x = vm.tensor([1, 2]).requiresGrad_();
      const loss = x.exp().sum();
      vm.grad([loss], [x], { retainGraph: true });
      vm.grad([loss], [x]);
      expect(() => vm.grad([loss], [x])).toThrowError(/already freed.*retainGraph/);
    });
  });

  it('noGrad records nothing and detach() cuts the history', () => {
    vm.tidy(() => {
      const x = vm.tensor([1, 2]).requiresGrad_();
      expect(vm.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
      const y = x.detach().mul(2);
      expect(y.requiresGrad).toBe(false);
      expect(() => vm.grad([y.sum()], [x])).toThrowError(/detached/);
    });
  });

  it('argmax and comparisons say they are not differentiable', () => {
    vm.tidy(() => {
      const x = vm.tensor([[1, 5, 2]]).requiresGrad_();
      const viaArgmax = x.argmax(1).cast('float32').sum();
      expect(() => viaArgmax.backward()).toThrowError(/'argmax', which is not differentiable/);
      expect(() => vm.grad([x.gt(2).sum()], [x])).toThrowError(/'gt', which is not differentiable/);
      try {
        viaArgmax.backward();
      } catch (e) {
        expect((e as vm.VarmatError).code).toBe('NOT_DIFFERENTIABLE');
      }
    });
  });

  it('allowUnused gives null for inputs the outputs do not depend on', () => {
    vm.tidy(() => {
      const a = vm.tensor([1]).requiresGrad_();
      const b = vm.tensor([1]).requiresGrad_();
      const [ga, gb] = vm.grad([a.mul(3).sum()], [a, b], { allowUnused: true });
      expect(ga!.item()).toBe(3);
      expect(gb).toBeNull();
      expect(() => vm.grad([a.mul(3).sum()], [a, b])).toThrowError(/input 1 received no gradient/);
    });
  });

  it('gradients flow to intermediate tensors asked for', () => {
    vm.tidy(() => {
      const x = vm.tensor([1, 2]).requiresGrad_();
      const h = x.mul(3);
      const [gh, gx] = vm.grad([h.square().sum()], [h, x]);
      expect(gh!.toArray()).toEqual([6, 12]);
      expect(gx!.toArray()).toEqual([18, 36]);
    });
  });

  it('handles deep graphs without overflowing the stack', () => {
    vm.tidy(() => {
      const x = vm.tensor([1]).requiresGrad_();
      let y = x;
      for (let i = 0; i < 20000; i++) y = y.add(1e-4);
      const [g] = vm.grad([y.sum()], [x]);
      expect(g!.item()).toBe(1);
    });
  });
});

describe('memory', () => {
  it('tidy frees intermediates while the graph keeps what backward needs', () => {
    const w = vm.tensor([0.5, -1]).requiresGrad_();
    const loss = vm.tidy(() => w.mul(2).tanh().sum());
    // Intermediates were disposed by tidy but are still held by the graph...
    vm.tidy(() => {
      const [g] = vm.grad([loss], [w]);
      expect(g!.size).toBe(2);
    });
    // ...and are freed with the loss.
    loss.dispose();
    w.dispose();
  });

  it('memory() reports live tensors and bytes per backend', () => {
    const m0 = vm.memory();
    const t = vm.zeros([10], { dtype: 'float64' });
    const m1 = vm.memory();
    expect(m1.tensors - m0.tensors).toBe(1);
    expect(m1.backends.reference.bytes - m0.backends.reference.bytes).toBe(80);
    t.dispose();
    expect(vm.memory().backends.reference.bytes).toBe(m0.backends.reference.bytes);
  });

  it('using declarations dispose at scope end', () => {
    const m0 = vm.memory().tensors;
    {
      using t = vm.ones([3]);
      expect(t.isDisposed).toBe(false);
    }
    expect(vm.memory().tensors).toBe(m0);
  });

  it('a disposed tensor gives a clear error', () => {
    const t = vm.ones([2, 2]);
    t.dispose();
    expect(() => t.add(1)).toThrowError(/add: tensor #\d+ of shape \[2, 2\] was disposed/);
  });

  it('tidy keeps returned containers and kept tensors', () => {
    let kept!: vm.Tensor;
    const out = vm.tidy(() => {
      kept = vm.keep(vm.ones([1]));
      vm.ones([5]);
      return { a: vm.zeros([2]), list: [vm.zeros([3])] };
    });
    expect(out.a.isDisposed).toBe(false);
    expect(out.list[0].isDisposed).toBe(false);
    vm.dispose([out.a, out.list, kept]);
  });
});
