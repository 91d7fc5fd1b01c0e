// A few VARMAT (or Avg) adversarial-training steps in the page, with `vm.robust.robustStep`, the
// authors' latent FGSM-RS and Adam. The steps run on the WebAssembly backend whatever the page
// shows: `robustStep` reads its scalars synchronously, which WebGPU cannot do.
import * as vm from '../../src/index.js';
import { buildModel, hostWeights, sliceSamples, type HostWeights, type SampleSet } from './demo-model.js';

/** What one training step reports (host numbers). */
export interface StepRecord {
  step: number;
  method: vm.robust.AtMethod;
  loss: number;
  ce: number;
  penalty: number;
  /** Fraction of the batch still classified correctly under the training attack. */
  robustAccuracy: number;
  /** Batch mean of V per modality. */
  vulnerability: Record<string, number>;
  ms: number;
}

/** Options of `LiveTrainer`. */
export interface LiveTrainerOptions {
  batchSize?: number;
  lr?: number;
}

/**
 * A training copy of the demo model on WebAssembly, stepping through the shipped training samples
 * in fixed batches. Call `await LiveTrainer.create(...)`, then `step()`; `weights()` gives the
 * trained weights back to the page's model.
 *
 * @example
 * const trainer = await LiveTrainer.create(weights, samples.train);
 * const r = trainer.step('varmat', 10);
 */
export class LiveTrainer {
  private steps = 0;

  private constructor(
    private readonly model: vm.nn.CnnLateFusion,
    private readonly optimizer: vm.optim.Adam,
    private readonly attack: vm.attacks.FastAtAttack,
    private readonly data: SampleSet,
    private readonly batchSize: number,
  ) {}

  /** Loads the WebAssembly backend (keeping the page's current one) and builds the training copy. */
  static async create(weights: HostWeights, data: SampleSet, options: LiveTrainerOptions = {}): Promise<LiveTrainer> {
    const current = vm.getBackend().name;
    await vm.init({ backend: 'wasm' });
    vm.setBackend(current);
    const model = buildModel(weights, 'the current weights', 'wasm');
    const optimizer = new vm.optim.Adam(model.parameters(), { lr: options.lr ?? 8e-4 });
    const batchSize = Math.min(options.batchSize ?? 16, data.size);
    return new LiveTrainer(model, optimizer, vm.attacks.fgsmRs({ seed: 0 }), data, batchSize);
  }

  /** Steps taken so far. */
  get taken(): number {
    return this.steps;
  }

  /** One adversarial-training step on the next batch: VARMAT adds `alpha` times the probe penalty. */
  step(method: vm.robust.AtMethod, alpha: number): StepRecord {
    const started = performance.now();
    const perEpoch = Math.floor(this.data.size / this.batchSize);
    const batch = this.steps % perEpoch;
    const epoch = Math.floor(this.steps / perEpoch);
    const from = batch * this.batchSize;
    const indices = Int32Array.from({ length: this.batchSize }, (_, i) => from + i);
    const r = vm.withBackend('wasm', () => {
      const inputs = this.model.prepareInputs(sliceSamples(this.data, from, from + this.batchSize));
      const labels = vm.tensor(this.data.labels.slice(from, from + this.batchSize), [this.batchSize], { dtype: 'int32' });
      try {
        const out = vm.robust.robustStep(this.model, this.attack, inputs, labels, indices, epoch, { at: method, alpha });
        this.optimizer.step();
        return out;
      } finally {
        this.optimizer.zeroGrad();
        vm.dispose([inputs, labels]);
      }
    });
    this.steps++;
    const vulnerability: Record<string, number> = {};
    this.model.modalities.forEach((m, i) => { vulnerability[m] = r.vulnerability?.[i] ?? NaN; });
    return {
      step: this.steps, method, loss: r.loss, ce: r.ce, penalty: r.penalty,
      robustAccuracy: r.correct / r.samples, vulnerability, ms: performance.now() - started,
    };
  }

  /** The trained weights as host arrays. */
  weights(): Promise<HostWeights> {
    return hostWeights(this.model);
  }

  /** Frees the training copy and the optimizer's state. */
  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
