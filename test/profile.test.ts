import { describe, expect, it } from 'vitest';
import * as vm from '../src/index.js';
import { createWasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { instrumentBackend, profiling } from '../src/profile.js';

describe('per-kernel profile', () => {
  it('wraps nothing while off (no cost), then counts calls, time and matmul FLOPs once on', () => {
    const be = vm.getBackend();
    if (!profiling.on) expect(Object.hasOwn(be, 'matmul')).toBe(false);
    vm.enableProfiling();
    expect(Object.hasOwn(be, 'matmul')).toBe(true);
    vm.tidy(() => {
      const a = vm.ones([2, 3, 4]);
      const b = vm.ones([2, 4, 5]);
      a.matmul(b).gelu().sum().dataSync();
    });
    const entries = vm.profileEntries();
    const mm = entries.find((e) => e.op === 'reference matmul');
    expect(mm).toBeDefined();
    expect(mm!.calls).toBe(1);
    expect(mm!.flops).toBe(2 * 2 * 3 * 5 * 4);
    expect(entries.find((e) => e.op === 'reference unary:gelu')?.calls).toBe(1);
    expect(entries.every((e) => e.ms >= 0 && e.calls > 0)).toBe(true);
    const report = vm.profileReport({ top: 3 });
    expect(report).toMatch(/^kernel\s+calls\s+total ms\s+%\s+mean ms\s+GFLOP\/s/);
    expect(report).toMatch(/kernels: [\d.]+ ms of [\d.]+ ms wall/);
    vm.resetProfile();
    expect(vm.profileEntries()).toEqual([]);
  });

  it('times only the outermost kernel when a kernel calls another, and wraps a backend once', async () => {
    const be = await createWasmBackend();
    instrumentBackend(be);
    const wrapped = be.matmul;
    instrumentBackend(be);
    expect(be.matmul).toBe(wrapped);
    vm.resetProfile();
    // The wasm backend's reduce with an empty axis list copies through its own cast: one entry only.
    const h = be.upload(new Float32Array([1, 2, 3]), 'float32');
    be.release(be.reduce('sum', h, [3], []));
    const labels = vm.profileEntries().map((e) => e.op);
    expect(labels).toContain('wasm reduce:sum');
    expect(labels).not.toContain('wasm cast');
  });
});
