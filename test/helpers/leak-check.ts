import { afterEach, beforeEach, expect } from 'vitest';
import * as vm from '../../src/index.js';

/**
 * Registers hooks that make the reference backend current before each test and fail the test when
 * it leaves more (or fewer) live tensors than it started with.
 */
export function checkNoLeaks(): void {
  let before = 0;
  beforeEach(() => {
    vm.setBackend('reference');
    before = vm.memory().tensors;
  });
  afterEach(() => {
    expect(vm.memory().tensors).toBe(before);
  });
}
