/**
 * `Dataset`: a split held in memory as plain typed arrays (no backend), with named modalities, integer
 * labels, per-sample indices (stable across shuffles; the fast adversarial-training attacks key their
 * per-sample memories by them) and a seeded batch iterator.
 */

import { checkOptions, fail } from '../errors.js';
import { Rng } from '../random.js';

/** A batch or whole-split array of one modality: row-major `data` of `shape` ([N, ...sample shape]). */
export interface ModalityArray {
  data: Float32Array;
  shape: number[];
}

/** One batch: each modality [B, ...], labels [B], and the samples' indices [B]. */
export interface Batch {
  inputs: Record<string, ModalityArray>;
  labels: Int32Array;
  indices: Int32Array;
}

/** Options of `Dataset.batches`. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0); use a different seed per epoch. */
  seed?: number;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
}

/** What `new Dataset()` takes. `inputs` hold whole-split arrays, first axis N. */
export interface DatasetSpec {
  name: string;
  inputs: Record<string, ModalityArray>;
  labels: Int32Array;
  /** Number of classes (labels lie in 0..classes-1). */
  classes: number;
  /** Sample indices (default 0..N-1). */
  indices?: Int32Array;
  /** Per-sample extra columns (e.g. which image and recording made each AV-MNIST pair), first axis N. */
  meta?: Record<string, Int32Array | Float32Array>;
}

/** A labelled multimodal split. */
export class Dataset {
  readonly name: string;
  readonly size: number;
  readonly classes: number;
  readonly inputs: Readonly<Record<string, ModalityArray>>;
  readonly labels: Int32Array;
  readonly indices: Int32Array;
  readonly meta: Readonly<Record<string, Int32Array | Float32Array>>;

  /**
   * Wraps arrays as a dataset, checking that every modality, label and index array has N rows.
   *
   * @example
   * const ds = new Dataset({ name: 'toy', classes: 2, labels: Int32Array.of(0, 1),
   *   inputs: { x: { data: new Float32Array(6), shape: [2, 3] } } });
   */
  constructor(spec: DatasetSpec) {
    const op = 'Dataset';
    const n = spec.labels.length;
    const names = Object.keys(spec.inputs);
    if (names.length === 0) fail('VALUE', op, 'inputs', 'at least one modality', spec.inputs);
    for (const name of names) {
      const { data, shape } = spec.inputs[name];
      const count = shape.reduce((a, b) => a * b, 1);
      if (shape[0] !== n || data.length !== count) {
        fail('SHAPE', op, `inputs.${name}`, `shape [${n}, ...] with matching data length`, `shape [${shape.join(', ')}] and ${data.length} values`);
      }
    }
    if (!Number.isInteger(spec.classes) || spec.classes < 1) fail('VALUE', op, 'classes', 'a positive integer', spec.classes);
    for (let i = 0; i < n; i++) {
      if (!(spec.labels[i] >= 0 && spec.labels[i] < spec.classes)) fail('VALUE', op, `labels[${i}]`, `an int in 0..${spec.classes - 1}`, spec.labels[i]);
    }
    const indices = spec.indices ?? Int32Array.from({ length: n }, (_, i) => i);
    if (indices.length !== n) fail('SHAPE', op, 'indices', `length ${n}`, indices.length);
    for (const [k, v] of Object.entries(spec.meta ?? {})) if (v.length !== n) fail('SHAPE', op, `meta.${k}`, `length ${n}`, v.length);
    this.name = spec.name;
    this.size = n;
    this.classes = spec.classes;
    this.inputs = spec.inputs;
    this.labels = spec.labels;
    this.indices = indices;
    this.meta = spec.meta ?? {};
  }

  /**
   * Modality names in sorted order (the order the paper's fusion uses).
   *
   * @example
   * avmnist.train.modalities(); // ['audiospec', 'colorlessimage']
   */
  modalities(): string[] {
    return Object.keys(this.inputs).sort();
  }

  /**
   * The shape of one sample of a modality (without the leading N).
   *
   * @example
   * avmnist.train.sampleShape('colorlessimage'); // [28, 28]
   */
  sampleShape(modality: string): number[] {
    const m = this.inputs[modality];
    if (m === undefined) fail('VALUE', 'Dataset.sampleShape', 'modality', `one of ${this.modalities().join(', ')}`, modality);
    return m.shape.slice(1);
  }

  /**
   * Number of samples per class.
   *
   * @example
   * ds.classCounts(); // [980, 1135, ...]
   */
  classCounts(): number[] {
    const counts = new Array<number>(this.classes).fill(0);
    for (const l of this.labels) counts[l]++;
    return counts;
  }

  /**
   * Gathers the given rows (positions in this dataset) into a batch, copying.
   *
   * @example
   * const b = ds.gather(Int32Array.of(0, 5, 9));
   */
  gather(rows: ArrayLike<number>): Batch {
    const b = rows.length;
    const inputs: Record<string, ModalityArray> = {};
    for (const name of this.modalities()) {
      const { data, shape } = this.inputs[name];
      const width = data.length / this.size;
      const out = new Float32Array(b * width);
      for (let i = 0; i < b; i++) {
        const r = rows[i];
        if (!(r >= 0 && r < this.size)) fail('VALUE', 'Dataset.gather', `rows[${i}]`, `an int in 0..${this.size - 1}`, r);
        out.set(data.subarray(r * width, (r + 1) * width), i * width);
      }
      inputs[name] = { data: out, shape: [b, ...shape.slice(1)] };
    }
    const labels = new Int32Array(b);
    const indices = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      labels[i] = this.labels[rows[i]];
      indices[i] = this.indices[rows[i]];
    }
    return { inputs, labels, indices };
  }

  /**
   * Iterates over batches, in order or shuffled with a seed (the same seed gives the same order).
   *
   * @example
   * for (const batch of ds.batches({ batchSize: 40, shuffle: true, seed: epoch })) {
   *   batch.inputs.colorlessimage.shape; // [40, 28, 28]
   * }
   */
  *batches(options: BatchOptions): Generator<Batch, void, undefined> {
    const op = 'Dataset.batches';
    checkOptions(op, options, ['batchSize', 'shuffle', 'seed', 'dropLast']);
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) fail('VALUE', op, 'batchSize', 'a positive integer', batchSize);
    const order = options.shuffle ? new Rng(options.seed ?? 0).permutation(this.size) : Int32Array.from({ length: this.size }, (_, i) => i);
    for (let start = 0; start < this.size; start += batchSize) {
      const end = Math.min(this.size, start + batchSize);
      if (end - start < batchSize && options.dropLast) return;
      yield this.gather(order.subarray(start, end));
    }
  }

  /**
   * A new dataset of the given rows; sample indices are kept, so memories keyed by index still match.
   *
   * @example
   * const small = ds.subset(Int32Array.from({ length: 100 }, (_, i) => i));
   */
  subset(rows: ArrayLike<number>): Dataset {
    const b = this.gather(rows);
    const meta: Record<string, Int32Array | Float32Array> = {};
    for (const [k, v] of Object.entries(this.meta)) {
      const out = v instanceof Int32Array ? new Int32Array(rows.length) : new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = v[rows[i]];
      meta[k] = out;
    }
    return new Dataset({ name: this.name, inputs: b.inputs, labels: b.labels, indices: b.indices, classes: this.classes, meta });
  }
}

/** The splits of a named dataset. */
export interface DatasetSplits {
  train: Dataset;
  val: Dataset;
  test: Dataset;
}
