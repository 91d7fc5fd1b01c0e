import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { blobs, hostRowNorms, linearModel, type Placement, type TinyModel } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// DESIGN.md section 4, invariant 5: on a linear model, one step gains exactly eps times the dual norm
// of the gradient, per modality: the L1 norm for L-inf balls, the L2 norm for L2 balls. The loss is
// the first logit, l(x) = <x_a, Wa[:, 0]> + <x_b, Wb[:, 0]> + c, so its gradient is Wa[:, 0], Wb[:, 0]
// everywhere and the gain of a step delta is exactly <Wa[:, 0], delta_a> + <Wb[:, 0], delta_b>.
// For L2 the authors' normalisation g / (||g|| + 1e-8) and projection guard make the step
// eps ||g|| / (||g|| + 1e-8) long: the gain is eps ||g|| to 1e-8 relative, and equal to that exact
// expression to rounding.

const PLACES: Placement[] = [{ dtype: 'float64', backend: 'reference' }, { dtype: 'float32', backend: 'wasm' }];

beforeAll(async () => {
  await vm.init({ backend: 'wasm' });
  vm.setBackend('reference');
});
afterAll(() => vm.setBackend('reference'));

checkNoLeaks();

const firstLogit: A.LossFn = (logits) => logits.slice([0, 0], [logits.shape[0], 1]).reshape([logits.shape[0]]);

/** Column 0 of Wa and Wb on the host. */
function gradient(model: TinyModel): { a: number[]; b: number[] } {
  const wa = model.params[0].dataSync();
  const wb = model.params[1].dataSync();
  return { a: Array.from({ length: 6 }, (_, i) => wa[i * 3]), b: Array.from({ length: 4 }, (_, i) => wb[i * 3]) };
}

const l1 = (v: number[]): number => v.reduce((s, x) => s + Math.abs(x), 0);
const l2 = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/**
 * The L2 step length of the authors' normalisation then projection, for radius r and gradient norm
 * n of one sample; the attack differentiates the batch-mean loss, so the normalised gradient is
 * (n / B) / (n / B + 1e-8) with B = 6 here.
 */
function l2StepLength(r: number, n: number, batch = 6): number {
  const m = n / batch;
  const len = (r * m) / (m + 1e-8);
  return len * Math.min(1, r / (len + 1e-8));
}

/** The first logit's gain per sample: adversarial minus clean. */
function gains(model: TinyModel, r: A.AttackResult): number[] {
  return vm.tidy(() => {
    const clean = model.fuse(r.clean);
    return Array.from(r.logits.sub(clean).slice([0, 0], [r.logits.shape[0], 1]).dataSync());
  });
}

for (const p of PLACES) {
  describe(`one step on a linear model, ${p.dtype} on ${p.backend}`, () => {
    const rel = p.dtype === 'float64' ? 1e-13 : 2e-5;
    for (const space of ['latent', 'input'] as const) {
      it(`${space}: L-inf gains eps ||g||_1 and L2 gains eps ||g||_2 per modality (FGSM, and one step of PGD and MIM)`, () => {
        vm.setBackend(p.backend);
        const model = linearModel(p, 5);
        const data = blobs(6, 2, p);
        const g = gradient(model);
        vm.tidy(() => {
          const eps = 0.1;
          const linf = eps * (l1(g.a) + l1(g.b));
          const l2exact = l2StepLength(eps, l2(g.a)) * l2(g.a) + l2StepLength(eps, l2(g.b)) * l2(g.b);
          const l2dual = eps * (l2(g.a) + l2(g.b));
          for (const norm of ['linf', 'l2'] as const) {
            const t = { space, norm, eps, relative: false, loss: firstLogit };
            const expected = norm === 'linf' ? linf : l2exact;
            for (const atk of [A.fgsm(t), A.pgd({ ...t, steps: 1, stepSize: 1, randomStart: false }), A.mim({ ...t, steps: 1, stepSize: 1 })]) {
              for (const gain of gains(model, atk.run(model, data))) {
                expect(Math.abs(gain / expected - 1), `${atk}`).toBeLessThan(rel);
                if (norm === 'l2') expect(Math.abs(gain / l2dual - 1)).toBeLessThan(p.dtype === 'float64' ? 1e-7 : 2e-5);
              }
            }
          }
        });
        model.dispose();
        vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
      });
    }

    it('the paper\'s relative budget: a sample gains (eps / K) ||z_m|| ||g_m||_2 per modality', () => {
      vm.setBackend(p.backend);
      const model = linearModel(p, 5);
      const data = blobs(6, 2, p);
      const g = gradient(model);
      vm.tidy(() => {
        const eps = 0.3;
        const r = A.fgsm({ eps, loss: firstLogit }).run(model, data);
        const na = hostRowNorms(r.clean.a.dataSync(), 6, 2);
        const nb = hostRowNorms(r.clean.b.dataSync(), 6, 2);
        gains(model, r).forEach((gain, i) => {
          const expected = l2StepLength((eps / 2) * na[i], l2(g.a)) * l2(g.a) + l2StepLength((eps / 2) * nb[i], l2(g.b)) * l2(g.b);
          expect(Math.abs(gain / expected - 1)).toBeLessThan(rel);
          expect(Math.abs(gain / ((eps / 2) * (na[i] * l2(g.a) + nb[i] * l2(g.b))) - 1)).toBeLessThan(p.dtype === 'float64' ? 1e-7 : 2e-5);
        });
        // One modality alone gains only its own share.
        const onlyB = A.fgsm({ eps, loss: firstLogit, modalities: ['b'] }).run(model, data);
        gains(model, onlyB).forEach((gain, i) => {
          expect(Math.abs(gain / (l2StepLength((eps / 2) * nb[i], l2(g.b)) * l2(g.b)) - 1)).toBeLessThan(rel);
        });
      });
      model.dispose();
      vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
    });
  });
}
