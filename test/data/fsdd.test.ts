import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { buildAvMnist } from '../../src/data/avmnist.js';
import { isFsddTest, loadFsdd } from '../../src/data/fsdd.js';
import { nodeDataIO } from '../../src/data/node-fs.js';
import { flipByte, tamperedIO } from './helpers.js';

// FSDD must be present (../shared/fsdd beside the repository, or $VARMAT_FSDD): these tests never skip.
describe('FSDD', () => {
  it('is present where varmat looks for it', async () => {
    const io = await nodeDataIO();
    expect(io.locations.fsddDir).toBeDefined();
    expect(await io.exists(io.join(io.locations.fsddDir!, 'recordings'))).toBe(true);
  });

  it('splits officially into 2,700 train and 300 test recordings, none in both', async () => {
    const fsdd = await loadFsdd();
    expect(fsdd.train.length).toBe(2700);
    expect(fsdd.test.length).toBe(300);
    const trainIds = new Set(fsdd.train.map((r) => r.id));
    expect(trainIds.size).toBe(2700);
    for (const r of fsdd.test) expect(trainIds.has(r.id)).toBe(false);
    for (const r of fsdd.test) expect(isFsddTest(`${r.id}.wav`)).toBe(true);
    for (const r of fsdd.train) expect(isFsddTest(`${r.id}.wav`)).toBe(false);
    expect(new Set(fsdd.train.map((r) => r.speaker)).size).toBe(6);
    for (let d = 0; d < 10; d++) {
      expect(fsdd.train.filter((r) => r.digit === d).length).toBe(270);
      expect(fsdd.test.filter((r) => r.digit === d).length).toBe(30);
    }
    expect(fsdd.train.every((r) => r.sampleRate === 8000 && r.samples.length > 500)).toBe(true);
    expect(fsdd.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a recording that does not match SHA256SUMS is a CORRUPT error naming it', async () => {
    const io = await tamperedIO((p) => p.endsWith('7_theo_12.wav'), flipByte(60));
    const err = await loadFsdd({ io }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VarmatError);
    expect((err as VarmatError).code).toBe('CORRUPT');
    expect((err as Error).message).toMatch(/7_theo_12\.wav.*SHA256SUMS/);
  });

  it('when FSDD is absent, avmnist fails saying where to put it', async () => {
    const err = await buildAvMnist({ fsddDir: '/nonexistent/fsdd', sizes: { train: 10, val: 0, test: 10 }, cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VarmatError);
    expect((err as VarmatError).code).toBe('IO');
    const msg = (err as Error).message;
    expect(msg).toContain("FSDD not found at '/nonexistent/fsdd'");
    expect(msg).toContain('../shared/fsdd/recordings');
    expect(msg).toContain('VARMAT_FSDD');
    expect(msg).toContain('--fsdd');
    const direct = await loadFsdd({ dir: '/nonexistent/fsdd' }).catch((e: unknown) => e);
    expect((direct as Error).message).toMatch(/does not exist.*shared\/fsdd/);
  });
});
