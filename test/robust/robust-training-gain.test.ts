/**
 * Issue 7, "Done when": a short run on a tiny model raises robust accuracy over clean training.
 *
 * A synthetic two-modality, three-class problem (modality a: Gaussian classes, separation 0.5 per
 * coordinate, unit noise, so about 68% clean accuracy is all there is to learn; modality b: an
 * uninformative sensor of small noise), a tiny TinyFusion model (Linear +
 * tanh encoders into 32-d latents, one fusion layer, a head), 20 epochs of 150 samples in batches of
 * 25 on the float32 reference backend. Clean training (plain CE) and adversarial training (Avg and
 * VARMAT, FGSM-RS in its latent L2 varmat form at eps 0.4, alpha 1) start from the same weights and
 * see the same batches; all are evaluated on 150 held-out samples by latent PGD-10 (L2, radius
 * (0.4 / K) ||z_m||, the paper's robust-accuracy definition: clean and attacked predictions correct).
 *
 * Seeds 0-9 (measured when this test was written): clean training 22.0-36.0% robust accuracy,
 * Avg 58.0-62.0%, VARMAT 58.0-62.7%: gains of 24.0-40.0 (Avg) and 24.0-40.7 (VARMAT) points. The
 * test asks for more than 15 on seeds 0 and 1. With the training budget set to 0, Avg is clean
 * training (gain exactly 0 on every seed: the test fails); VARMAT keeps a gain of 12.7-20.0 points
 * from its gradient-norm penalty alone (12.7 on seed 0, so its assertion fails too, but with less to
 * spare: the Avg assertion is the one that pins the attack's contribution). At the paper's
 * evaluation budget (eval and train eps 0.2) the gains were 7.3-13.3 points on seeds 0-4, too close
 * to the resolution of a 150-sample test set for a seed-robust margin; hence eps 0.4.
 */

import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { fgsmRs, pgd } from '../../src/attacks/index.js';
import { Adam } from '../../src/optim/adam.js';
import { robustStep } from '../../src/robust/robust-step.js';
import { checkNoLeaks } from '../helpers/leak-check.js';
import { TinyFusion } from './tiny-fusion.js';

checkNoLeaks();

const D = 8;
const CLASSES = 3;
const HIDDEN = 32;
const TRAIN_EPS = 0.4;
const EVAL_EPS = 0.4;
const EPOCHS = 20;
const BATCH = 25;
const MIN_GAIN = 0.15;

interface Split { a: Float32Array; b: Float32Array; y: Int32Array; n: number }

/**
 * n samples: modality a carries the class (fixed class means, unit Gaussian noise); modality b is an
 * uninformative sensor (small noise only), as a broken or irrelevant input of a multimodal problem.
 */
function makeSplit(n: number, seed: number): Split {
  const mrng = new vm.Rng(100);
  const means = Array.from({ length: CLASSES }, () => Array.from({ length: D }, () => 0.5 * mrng.normal()));
  const rng = new vm.Rng(seed);
  const a = new Float32Array(n * D);
  const b = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    y[i] = c;
    for (let j = 0; j < D; j++) {
      a[i * D + j] = means[c][j] + rng.normal();
      b[i * D + j] = 0.02 * rng.normal();
    }
  }
  return { a, b, y, n };
}

function tensors(s: Split, idx: readonly number[]): { x: Record<string, vm.Tensor>; y: vm.Tensor } {
  const pick = (src: Float32Array): Float32Array => {
    const out = new Float32Array(idx.length * D);
    idx.forEach((k, i) => out.set(src.subarray(k * D, (k + 1) * D), i * D));
    return out;
  };
  return { x: { a: vm.tensor(pick(s.a), [idx.length, D]), b: vm.tensor(pick(s.b), [idx.length, D]) }, y: vm.tensor(idx.map((k) => s.y[k]), [idx.length], { dtype: 'int32' }) };
}

type Mode = 'clean' | 'avg' | 'varmat';

/** Trains from `seed` and returns clean and robust test accuracy (latent PGD-10 at EVAL_EPS). */
function trainAndEvaluate(train: Split, test: Split, seed: number, mode: Mode): { clean: number; robust: number } {
  const model = new TinyFusion({ a: D, b: D }, HIDDEN, CLASSES, { rng: seed });
  const optimizer = new Adam(model.namedParameters(), { lr: 0.01 });
  const attack = fgsmRs({ eps: TRAIN_EPS, seed });
  const order = new vm.Rng(seed + 1000);
  try {
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const perm = Array.from({ length: train.n }, (_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = Math.floor(order.uniform() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      for (let s = 0; s < train.n; s += BATCH) {
        const idx = perm.slice(s, s + BATCH);
        vm.tidy(() => {
          const { x, y } = tensors(train, idx);
          if (mode === 'clean') vm.crossEntropy(model.forward(x), y).backward();
          else robustStep(model, attack, x, y, idx, epoch, { at: mode, alpha: 1, logVulnerability: false });
        });
        optimizer.step();
        optimizer.zeroGrad();
      }
    }
    const evalAttack = pgd({ space: 'latent', norm: 'l2', eps: EVAL_EPS, relative: true, split: 'equal', steps: 10, seed: 0 });
    return vm.tidy(() => {
      const { x, y } = tensors(test, Array.from({ length: test.n }, (_, i) => i));
      const clean = vm.noGrad(() => model.forward(x)).argmax(-1).dataSync();
      const adv = evalAttack.run(model, { inputs: x, labels: y });
      const attacked = adv.logits.argmax(-1).dataSync();
      vm.dispose(adv);
      let c = 0;
      let r = 0;
      for (let i = 0; i < test.n; i++) {
        if (clean[i] !== test.y[i]) continue;
        c++;
        if (attacked[i] === test.y[i]) r++;
      }
      return { clean: c / test.n, robust: r / test.n };
    });
  } finally {
    attack.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

describe('robust training on a tiny model', () => {
  it(`raises latent-PGD robust accuracy over clean training by more than ${100 * MIN_GAIN} points (Avg and VARMAT, two seeds)`, () => {
    const train = makeSplit(150, 1);
    const test = makeSplit(150, 2);
    for (const seed of [0, 1]) {
      const clean = trainAndEvaluate(train, test, seed, 'clean');
      const avg = trainAndEvaluate(train, test, seed, 'avg');
      const varmat = trainAndEvaluate(train, test, seed, 'varmat');
      // Clean accuracy is not traded away on this problem (all three land near its ~68% ceiling).
      expect(clean.clean).toBeGreaterThan(0.55);
      expect(avg.clean).toBeGreaterThan(0.55);
      expect(varmat.clean).toBeGreaterThan(0.55);
      expect(avg.robust - clean.robust).toBeGreaterThan(MIN_GAIN);
      expect(varmat.robust - clean.robust).toBeGreaterThan(MIN_GAIN);
    }
  });
});
