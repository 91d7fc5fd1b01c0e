import { afterEach, describe, expect, it, vi } from 'vitest';
import { dataCommand } from '../../src/cli/data-command.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out, err };
}

describe('varmat data info', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints sizes, shapes and class balance', async () => {
    const { out } = capture();
    const code = await dataCommand(['info', 'avmnist-synth', '--train', '40', '--val', '10', '--test', '20', '--spec-size', '14', '--no-cache', '--seed', '2', '--pca', '0']);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('dataset avmnist-synth');
    expect(text).toContain('train: 40 samples');
    expect(text).toContain('audiospec: [40, 14, 14] float32');
    expect(text).toContain('colorlessimage: [20, 28, 28] float32');
    expect(text).toMatch(/classes: 0:\d+ \(\d+\.\d%\) 1:/);
  });

  it('returns 1 with a clear message on errors and 2 on usage mistakes', async () => {
    const { err } = capture();
    expect(await dataCommand(['info', 'nope'])).toBe(1);
    expect(err.join('\n')).toMatch(/argument 'name' expected one of avmnist/);
    expect(await dataCommand(['info', 'avmnist-synth', '--train'])).toBe(1);
    expect(err.join('\n')).toMatch(/argument '--train' expected an integer, received nothing/);
    expect(await dataCommand(['info', 'avmnist-synth', '--bogus'])).toBe(1);
    expect(await dataCommand([])).toBe(2);
    expect(await dataCommand(['frobnicate', 'x'])).toBe(2);
  });
});
