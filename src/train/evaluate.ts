import { noGrad } from '../autograd/grad.js';
import { checkOptions } from '../errors.js';
import { keep, tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { crossEntropy } from '../ops/nn.js';
import type { Dataset } from '../data/dataset.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';

/** Loss and accuracy of a model on a dataset. */
export interface EvalResult {
  /** Mean cross-entropy over the samples. */
  loss: number;
  /** Fraction of samples whose argmax equals the label. */
  accuracy: number;
  samples: number;
}

/** Running sums of loss and correct predictions, kept on the device (no read-back per batch). */
export class MetricSums {
  private lossSum: Tensor | null = null;
  private correctSum: Tensor | null = null;
  /** Samples counted so far. */
  seen = 0;

  private pending: { lossSum: number; correct: number } | null = null;

  /** Starts from sums read earlier (a resumed epoch); they are uploaded with the first batch. */
  constructor(initial?: { lossSum: number; correct: number; seen: number }) {
    if (initial && initial.seen > 0) {
      this.pending = { lossSum: initial.lossSum, correct: initial.correct };
      this.seen = initial.seen;
    }
  }

  /** Adds a batch: `logits` [B, C] (its values only) and int32 `labels` [B]. */
  add(logits: Tensor, labels: Tensor): void {
    noGrad(() => {
      const [loss, correct] = tidy(() => {
        const l = crossEntropy(logits, labels, { reduction: 'sum' });
        const c = logits.argmax(-1).cast(logits.dtype).eq(labels.cast(logits.dtype)).sum();
        const start = (v: number): Tensor => tensor([v], [], { dtype: 'float32', backend: logits.backend.name });
        const withPrev = (prev: Tensor | null, initial: number | undefined, v: Tensor): Tensor => {
          const base = prev ?? (initial === undefined ? null : start(initial));
          return base === null ? v.cast('float32') : base.add(v.cast('float32'));
        };
        return [withPrev(this.lossSum, this.pending?.lossSum, l), withPrev(this.correctSum, this.pending?.correct, c)];
      });
      this.lossSum?.dispose();
      this.correctSum?.dispose();
      this.lossSum = keep(loss);
      this.correctSum = keep(correct);
      this.pending = null;
      this.seen += labels.shape[0];
    });
  }

  /** Reads the sums (one synchronisation). */
  async read(): Promise<{ lossSum: number; correct: number; seen: number }> {
    if (this.lossSum === null || this.correctSum === null) {
      return { lossSum: this.pending?.lossSum ?? 0, correct: this.pending?.correct ?? 0, seen: this.seen };
    }
    return { lossSum: (await this.lossSum.data())[0], correct: (await this.correctSum.data())[0], seen: this.seen };
  }

  /** Mean loss and accuracy so far. */
  async result(): Promise<EvalResult> {
    const r = await this.read();
    return { loss: r.seen ? r.lossSum / r.seen : NaN, accuracy: r.seen ? r.correct / r.seen : NaN, samples: r.seen };
  }

  dispose(): void {
    this.lossSum?.dispose();
    this.correctSum?.dispose();
    this.lossSum = null;
    this.correctSum = null;
  }
}

/**
 * Clean loss and accuracy of `model` on `dataset`, in evaluation mode without gradients, batch by
 * batch in dataset order. The model's mode is restored afterwards.
 *
 * @example
 * const { accuracy } = await vm.train.evaluate(model, splits.test, { batchSize: 256 });
 */
export async function evaluate(model: MultimodalModel, dataset: Dataset, options: { batchSize?: number } = {}): Promise<EvalResult> {
  checkOptions('evaluate', options, ['batchSize']);
  const wasTraining = model.training;
  model.eval();
  const sums = new MetricSums();
  try {
    for (const batch of dataset.batches({ batchSize: options.batchSize ?? 256 })) {
      noGrad(() => tidy(() => {
        const x = model.prepareInputs(batch.inputs);
        const logits = model.forward(x);
        const labels = tensor(batch.labels, [batch.labels.length], { dtype: 'int32', backend: logits.backend.name });
        sums.add(logits, labels);
      }));
    }
    return await sums.result();
  } finally {
    sums.dispose();
    model.train(wasTraining);
  }
}
