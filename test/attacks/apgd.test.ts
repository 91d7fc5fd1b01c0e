import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { blobs, mlpModel, type Placement } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// APGD's schedule and loss as Croce & Hein (2020) define them, and its strength against PGD.

const P: Placement = { dtype: 'float64', backend: 'reference' };

checkNoLeaks();

describe('APGD', () => {
  it('checks its step size after 22% of the iterations, then at intervals shrinking by 3% down to 6%', () => {
    // p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06): 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99.
    expect(A.apgd({ eps: 1, steps: 100 }).checkpoints()).toEqual([21, 40, 56, 69, 79, 86, 92, 98]);
    expect(A.apgd({ eps: 1, steps: 10 }).checkpoints()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('the DLR loss: -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3 + 1e-12), invariant to shifting and scaling the logits', () => {
    vm.tidy(() => {
      const logits = vm.tensor([[3, 1, 2, 0], [0.5, 4, -1, 2]], undefined, P);
      const labels = vm.tensor([0, 2], [2], { dtype: 'int32' });
      const l = A.dlrLoss(logits, labels).dataSync();
      expect(l[0]).toBeCloseTo(-(3 - 2) / (3 - 1 + 1e-12), 14);
      expect(l[1]).toBeCloseTo(-(-1 - 4) / (4 - 0.5 + 1e-12), 14);
      const moved = A.dlrLoss(logits.mul(3).add(7), labels).dataSync();
      expect(moved[0]).toBeCloseTo(l[0], 12);
      expect(moved[1]).toBeCloseTo(l[1], 12);
      // It is differentiable: its gradient moves the logits of y and of the runner-up.
      const x = logits.detach().requiresGrad_();
      const [g] = vm.grad([A.dlrLoss(x, labels).sum()], [x]);
      // Sample 0: L = -(z0 - z2) / (z0 - z1); sample 1: L = -(z2 - z1) / (z1 - z0) (y = 2, runner-up 1, third 0).
      const want = [[-0.25, -0.25, 0.5, 0], [5 / 12.25, -1.5 / 12.25, -1 / 3.5, 0]];
      const got = g!.toArray() as number[][];
      got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 12)));
    });
  });

  it('reaches at least the loss of the paper\'s PGD-10 and breaks at least as many samples as it', () => {
    const model = mlpModel(P);
    const data = blobs(60, 41, P);
    vm.tidy(() => {
      for (const eps of [0.8, 1.6]) {
        const pgd = A.pgd({ eps, steps: 10, seed: 1 }).run(model, data);
        const apgd = A.apgd({ eps, steps: 50, seed: 1 }).run(model, data);
        const ce = (r: A.AttackResult): number => vm.crossEntropy(r.logits, data.labels).item();
        const right = (r: A.AttackResult): number => r.logits.argmax().eq(data.labels).cast('float64').sum().item();
        expect(ce(apgd)).toBeGreaterThanOrEqual(ce(pgd));
        expect(right(apgd)).toBeLessThanOrEqual(right(pgd));
      }
    });
    model.dispose();
    vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  });
});
