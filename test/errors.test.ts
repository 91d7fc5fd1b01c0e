import { describe, expect, it } from 'vitest';
import * as vm from '../src/index.js';
import { checkNoLeaks } from './helpers/leak-check.js';

checkNoLeaks();

/** Runs fn in a tidy scope and returns the VarmatError it throws. */
function errorOf(fn: () => unknown): vm.VarmatError {
  try {
    vm.tidy(() => {
      fn();
    });
  } catch (e) {
    expect(e).toBeInstanceOf(vm.VarmatError);
    return e as vm.VarmatError;
  }
  throw new Error('expected a VarmatError');
}

describe('errors name the op, the argument, the expected and the received value', () => {
  it('shape mismatches', () => {
    const e = errorOf(() => vm.ones([2, 3]).matmul(vm.ones([4, 5])));
    expect(e.code).toBe('SHAPE');
    expect(e.message).toBe("matmul: argument 'b' expected second-to-last axis of size 3 to match a, received [4, 5]");
    expect(errorOf(() => vm.ones([2, 3]).add(vm.ones([4]))).message).toMatch(/^add: argument 'b' expected a shape that broadcasts with \[2, 3\], received \[4\]/);
    expect(errorOf(() => vm.ones([6]).reshape([4, -1])).message).toMatch(/reshape: .*a shape of 6 elements.*received \[4, -1\]/);
    expect(errorOf(() => vm.conv2d(vm.ones([1, 3, 5, 5]), vm.ones([2, 2, 3, 3]))).message).toMatch(/conv2d: argument 'w' expected \[outC, 3/);
    expect(errorOf(() => vm.crossEntropy(vm.ones([2, 3]), vm.tensor([0, 1, 2], undefined, { dtype: 'int32' }))).message).toMatch(/labels.*\[2\].*received \[3\]/);
  });

  it('dtype errors', () => {
    const e = errorOf(() => vm.ones([2]).add(vm.ones([2], { dtype: 'float64' })));
    expect(e.code).toBe('DTYPE');
    expect(e.message).toMatch(/add: argument 'b' expected the dtype of 'a' \(float32\).*received 'float64'/);
    expect(errorOf(() => vm.crossEntropy(vm.ones([1, 2]), vm.ones([1]))).message).toMatch(/labels' expected a int32 tensor, received 'float32'/);
    expect(errorOf(() => vm.ones([2], { dtype: 'int32' }).exp()).code).toBe('DTYPE');
  });

  it('unknown options and bad values', () => {
    expect(errorOf(() => vm.matmul(vm.ones([2, 2]), vm.ones([2, 2]), { transposeA: true } as never)).message)
      .toMatch(/matmul: argument 'options' expected only 'transA', 'transB', received 'unknown option 'transposeA''/);
    expect(errorOf(() => vm.crossEntropy(vm.ones([1, 2]), vm.tensor([5], undefined, { dtype: 'int32' }))).message).toMatch(/class indices in \[0, 1\].*5 at position 0/);
    expect(errorOf(() => vm.conv2d(vm.ones([1, 2, 4, 4]), vm.ones([2, 1, 3, 3]), { groups: 3 })).code).toBe('OPTION');
    expect(errorOf(() => vm.rowNorms(vm.ones([2, 2]), 3 as never)).message).toMatch(/rowNorms: argument 'p' expected 1, 2 or Infinity, received 3/);
    expect(errorOf(() => vm.ones([3]).gather(vm.tensor([3], undefined, { dtype: 'int32' }))).message).toMatch(/gather: argument 'indices' expected values in \[0, 2\], received 3/);
  });

  it('backend errors are clear and never fall back silently', async () => {
    expect(errorOf(() => vm.setBackend('webgpu')).message).toMatch(/backend 'webgpu' is not initialised/);
    await expect(vm.init({ backend: 'cuda' as never })).rejects.toThrowError(/init: argument 'backend' expected/);
  });
});
