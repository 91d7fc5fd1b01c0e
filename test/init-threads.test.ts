import { describe, expect, it } from 'vitest';
import * as vm from '../src/index.js';

// Its own file: the WebAssembly backend is created once per process, with its thread count.
describe("init({ threads })", () => {
  it('rejects bad counts and other backends, naming the argument', async () => {
    await expect(vm.init({ backend: 'wasm', threads: 0 })).rejects.toThrowError(/init: argument 'threads' expected an integer from 1 to 256/);
    await expect(vm.init({ backend: 'reference', threads: 2 })).rejects.toThrowError(/argument 'backend' expected 'wasm' or 'auto' when threads are given.*received 'reference'/);
  });

  it('creates the WebAssembly backend with worker threads, computes as with one, and refuses another count later', async () => {
    const described = await vm.init({ backend: 'wasm', threads: 2 });
    expect(described).toMatch(/2 threads over shared memory/);
    const a = vm.randn([96, 200], { seed: 1 });
    const b = vm.randn([200, 160], { seed: 2 });
    const threaded = a.matmul(b).dataSync();
    const ref = vm.tensor(a.dataSync(), [96, 200], { backend: 'reference' }).matmul(vm.tensor(b.dataSync(), [200, 160], { backend: 'reference' })).dataSync();
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(threaded[i] - ref[i]));
    expect(worst).toBeLessThan(1e-3);
    expect(await vm.init({ backend: 'wasm', threads: 2 })).toBe(described);
    await expect(vm.init({ backend: 'wasm', threads: 1 })).rejects.toThrowError(/threads.*already running/);
    vm.getBackend().destroy?.();
  });
});
