import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { crc32 } from '../../src/data/crc32.js';
import { encodeNpy, npyToFloat32, parseNpy } from '../../src/data/npy.js';
import { parseNpz } from '../../src/data/npz.js';
import { tempDir, writeZip } from './helpers.js';


const here = dirname(fileURLToPath(import.meta.url));

describe('.npy', () => {
  it('round-trips float32, float64, int32, int64 and bool', () => {
    const f = parseNpy(encodeNpy(new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]));
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.data as Float32Array)).toEqual([1.5, -2, 3, 4, 5, 6]);
    expect(parseNpy(encodeNpy(new Float64Array([0.1]), [1])).data[0]).toBe(0.1);
    expect(Array.from(parseNpy(encodeNpy(Int32Array.of(-3, 4), [2])).data as Int32Array)).toEqual([-3, 4]);
    const big = parseNpy(encodeNpy(BigInt64Array.of(5n, -6n), [2, 1]));
    expect(big.dtype).toBe('int64');
    expect(Array.from(npyToFloat32(big))).toEqual([5, -6]);
    expect(parseNpy(encodeNpy(Uint8Array.of(1, 0), [2], { bool: true })).dtype).toBe('bool');
    // The header is padded to a multiple of 64 bytes, as numpy does.
    expect((10 + new DataView(encodeNpy(new Float32Array(1), [1]).buffer).getUint16(8, true)) % 64).toBe(0);
  });

  it('rejects object arrays, bad magic and truncated data clearly', () => {
    const good = encodeNpy(new Float32Array(4), [4]);
    const header = new TextDecoder().decode(good.subarray(10, 64)).replace("'<f4'", "'|O' ");
    const obj = good.slice();
    obj.set(new TextEncoder().encode(header), 10);
    expect(() => parseNpy(obj, 'o.npy')).toThrow(/object array holds pickled Python objects/);
    expect(() => parseNpy(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 'm.npy')).toThrow(/m\.npy: expected the magic/);
    const err = (() => {
      try {
        parseNpy(good.subarray(0, good.length - 3), 't.npy');
      } catch (e) {
        return e as VarmatError;
      }
    })();
    expect(err?.code).toBe('CORRUPT');
    expect(err?.message).toMatch(/expected 16 data bytes .* received 13 \(truncated\)/);
  });
});

describe('.npz', () => {
  it('reads archives written by numpy itself (savez and savez_compressed, ZIP64 headers)', async () => {
    // Made with numpy 2.4: see the python snippet in test/data/fixtures/README.md.
    const a = await parseNpz(new Uint8Array(readFileSync(join(here, 'fixtures', 'numpy-savez.npz'))));
    expect(a.vision.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.vision.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Array.from(a.labels.data as Float64Array)).toEqual([1.5, -0.5]);
    expect(a.ids.dtype).toBe('int64');
    expect(Array.from(a.fortran.data as Float64Array)).toEqual([0, 1, 2, 3, 4, 5]); // back in C order
    const c = await parseNpz(new Uint8Array(readFileSync(join(here, 'fixtures', 'numpy-savez-compressed.npz'))));
    expect(c.x.shape).toEqual([3, 100]);
    expect((c.x.data as Float32Array)[299]).toBe(Math.fround(299 / 7));
    expect(Array.from(c.flags.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(c.be.data as Int16Array)).toEqual([0, 1, 2, 3]);
  });

  it('reads stored and deflated archives written into a temp dir, and checks CRC-32', async () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const dir = tempDir('varmat-npz-');
    const files = { 'x.npy': encodeNpy(new Float32Array([1, 2, 3]), [3]), 'y.npy': encodeNpy(Int32Array.of(9), [1]) };
    for (const method of [0, 8] as const) {
      const path = join(dir, `m${method}.npz`);
      writeFileSync(path, await writeZip(files, method));
      const r = await parseNpz(new Uint8Array(readFileSync(path)));
      expect(Array.from(r.x.data as Float32Array)).toEqual([1, 2, 3]);
      expect(Array.from(r.y.data as Int32Array)).toEqual([9]);
    }
    const stored = await writeZip(files, 0);
    const damaged = stored.slice();
    damaged[120] ^= 0xff; // inside x.npy's header or data
    await expect(parseNpz(damaged, 'd.npz')).rejects.toThrow(/d\.npz: entry 'x\.npy' CRC-32 expected/);
    await expect(parseNpz(stored.subarray(0, 50), 'cut.npz')).rejects.toThrow(/end-of-central-directory/);
  });
});
