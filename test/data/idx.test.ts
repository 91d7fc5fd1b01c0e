import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { parseIdx } from '../../src/data/idx.js';

function idx(type: number, dims: number[], body: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set([0, 0, type, dims.length]);
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

describe('parseIdx', () => {
  it('reads uint8 and big-endian int16 files', () => {
    const a = parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]));
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const b = parseIdx(idx(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]));
    expect(Array.from(b.data)).toEqual([0x0102, -2]);
  });

  it('rejects bad magic, unknown types and truncated files with CORRUPT errors', () => {
    const bad = idx(0x08, [2], [1, 2]);
    bad[0] = 1;
    expect(() => parseIdx(bad, 'x')).toThrow(/magic bytes/);
    expect(() => parseIdx(idx(0x07, [1], [1]))).toThrow(/type code/);
    const truncated = idx(0x08, [4], [1, 2]);
    try {
      parseIdx(truncated, 'labels');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VarmatError);
      expect((err as VarmatError).code).toBe('CORRUPT');
      expect((err as Error).message).toMatch(/labels: expected 12 bytes .* received 10/);
    }
  });
});
