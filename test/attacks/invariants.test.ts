import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { bits, blobs, copyModel, hostRowNorms, mlpModel, snapshot, type Placement, type TinyModel } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// DESIGN.md section 4, invariants 1-4, 7 and 8, for every attack, in latent and input space, L2 and
// L-inf, on the reference backend in float64 and on wasm in float32. Range bounds are chosen exactly
// representable in float32 (a float32 tensor cannot hold -0.1: its nearest value lies below it).

const PLACES: Placement[] = [{ dtype: 'float64', backend: 'reference' }, { dtype: 'float32', backend: 'wasm' }];

type Case = { label: string; threat: A.ThreatModelOptions };
const CASES: Case[] = [
  { label: 'latent L2, relative budgets split equally (the paper)', threat: { space: 'latent', norm: 'l2', eps: 0.6 } },
  { label: 'latent L-inf, absolute', threat: { space: 'latent', norm: 'linf', eps: 0.15, relative: false } },
  { label: 'input L2, absolute, range [0, 1]', threat: { space: 'input', norm: 'l2', eps: 0.5, ranges: [0, 1] } },
  { label: 'input L-inf, per-modality budgets and ranges', threat: { space: 'input', norm: 'linf', eps: { a: 0.1, b: 0.2 }, ranges: { a: [0, 1], b: [-0.125, 1.0625] } } },
];

type Make = (t: A.ThreatModelOptions) => A.Attack;
const ATTACKS: [string, Make][] = [
  ['fgsm', (t) => A.fgsm(t)],
  ['fgsm (random start)', (t) => A.fgsm({ ...t, randomStart: true, stepSize: 1.25, seed: 4 })],
  ['pgd', (t) => A.pgd({ ...t, steps: 5, seed: 1 })],
  ['pgd (restarts, cosine schedule)', (t) => A.pgd({ ...t, steps: 4, restarts: 2, stepSize: 0.5, schedule: 'cosine', seed: 2 })],
  ['mim', (t) => A.mim({ ...t, steps: 5 })],
  ['apgd-ce', (t) => A.apgd({ ...t, steps: 10, seed: 3 })],
  ['apgd-dlr', (t) => A.apgd({ ...t, steps: 10, loss: 'dlr', seed: 3 })],
  ['random-noise', (t) => A.randomNoise({ ...t, trials: 4, seed: 5 })],
  ['random-search', (t) => A.randomSearch({ ...t, queries: 6, seed: 6 })],
  ['worst case (pgd + apgd-dlr)', (t) => A.worstCase([A.pgd({ ...t, steps: 3 }), A.apgd({ ...t, steps: 5, loss: 'dlr' })])],
  ['fgsm-rs (fast AT)', (t) => A.fgsmRs({ ...t, seed: 7 })],
  ['fgsm-ep (fast AT)', (t) => A.fgsmEp({ ...t, seed: 7 })],
  ['fgsm-mep (fast AT)', (t) => A.fgsmMep({ ...t, seed: 7 })],
];

let trained: TinyModel;
beforeAll(async () => {
  await vm.init({ backend: 'wasm' });
  vm.setBackend('reference');
  trained = mlpModel({ dtype: 'float64', backend: 'reference' });
});
afterAll(() => trained.dispose());

checkNoLeaks();

/** The per-sample radius of modality m on the host. */
function radii(threat: A.ThreatModel, clean: vm.Tensor, m: string, k: number): number[] {
  const factor = threat.budget(m, k);
  const rows = clean.shape[0];
  if (!threat.relative) return Array.from({ length: rows }, () => factor);
  return hostRowNorms(clean.dataSync(), rows, threat.norm === 'l2' ? 2 : Infinity).map((n) => n * factor);
}

/** Checks invariants 1-3 on a result: budgets on the output, value ranges, untouched modalities. */
function checkResult(atk: A.Attack, r: A.AttackResult, attacked: string[], p: Placement): void {
  const tol = p.dtype === 'float64' ? 1e-12 : 2e-6;
  for (const m of ['a', 'b']) {
    const clean = r.clean[m];
    const adv = r.adversarial[m];
    if (!attacked.includes(m)) {
      expect(bits(adv), `${m} untouched`).toEqual(bits(clean));
      expect(Array.from(r.delta[m].dataSync()).every((v) => v === 0), `${m} delta zero`).toBe(true);
      continue;
    }
    const rad = radii(atk.threat, clean, m, 2);
    const pn = atk.threat.norm === 'l2' ? 2 : Infinity;
    const diff = adv.sub(clean);
    const moved = Float64Array.from(diff.dataSync());
    diff.dispose();
    const normsOut = hostRowNorms(moved, clean.shape[0], pn);
    const normsDelta = hostRowNorms(r.delta[m].dataSync(), clean.shape[0], pn);
    const scale = Math.max(...Array.from(clean.dataSync(), Math.abs), 1);
    normsOut.forEach((n, b) => expect(n, `${m}[${b}] ||adv - clean|| <= r`).toBeLessThanOrEqual(rad[b] * (1 + tol) + tol * scale));
    normsDelta.forEach((n, b) => expect(n, `${m}[${b}] ||delta|| <= r`).toBeLessThanOrEqual(rad[b] * (1 + tol) + tol * scale));
    if (atk.threat.space === 'input') {
      const [lo, hi] = atk.threat.range(m);
      for (const v of adv.dataSync()) {
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
      }
    }
  }
}

/** The values an attack of `space` perturbs: inputs, or latents encoded without gradients. */
function valuesIn(model: TinyModel, space: 'input' | 'latent', inputs: Record<string, vm.Tensor>): Record<string, vm.Tensor> {
  return space === 'input' ? inputs : vm.noGrad(() => model.encode(inputs));
}

for (const p of PLACES) {
  describe(`attack invariants, ${p.dtype} on ${p.backend}`, () => {
    for (const c of CASES) {
      for (const [name, make] of ATTACKS) {
        it(`${name}, ${c.label}: budget, range, untouched modalities, no mutation, eps 0, seeds`, () => {
          vm.setBackend(p.backend);
          const model = copyModel(trained, p);
          const data = blobs(12, 21, p);
          try { vm.tidy(() => {
            const inputs = snapshot(data.inputs);
            const labels = Array.from(data.labels.dataSync());
            // Both modalities, then one alone.
            const atk = make(c.threat);
            const r = atk.run(model, data);
            checkResult(atk, r, ['a', 'b'], p);
            const onlyA = make({ ...c.threat, modalities: ['a'] });
            checkResult(onlyA, onlyA.run(model, data), ['a'], p);
            // A zero budget leaves its modality bit-identical.
            const eps: Record<string, number> = typeof c.threat.eps === 'number' ? { a: 0, b: c.threat.eps } : { ...c.threat.eps, a: 0 };
            const zeroA = make({ ...c.threat, eps });
            checkResult(zeroA, zeroA.run(model, data), ['b'], p);
            // eps = 0 everywhere returns the input.
            const none = make({ ...c.threat, eps: 0 });
            const r0 = none.run(model, data);
            for (const m of ['a', 'b']) expect(bits(r0.adversarial[m])).toEqual(bits(r0.clean[m]));
            // The inputs and labels were never modified.
            expect(snapshot(data.inputs)).toEqual(inputs);
            expect(Array.from(data.labels.dataSync())).toEqual(labels);
            // The same seed gives the same result; the attack's generator advances between calls.
            const again = make(c.threat).run(model, data);
            for (const m of ['a', 'b']) expect(bits(again.delta[m]), `same seed, ${m}`).toEqual(bits(r.delta[m]));
          }); } finally {
            model.dispose();
            vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
          }
        });
      }
    }
  });
}

describe('invariants that need one attack at a time', () => {
  it('random starts differ with the seed and between calls of one attack (so the seed test above can fail)', () => {
    const p = PLACES[0];
    const model = copyModel(trained, p);
    const data = blobs(6, 3, p);
    vm.tidy(() => {
      const a1 = A.pgd({ eps: 0.5, steps: 2, seed: 1 });
      const first = a1.run(model, data).delta.a.dataSync();
      const second = a1.run(model, data).delta.a.dataSync();
      const other = A.pgd({ eps: 0.5, steps: 2, seed: 2 }).run(model, data).delta.a.dataSync();
      expect(Array.from(second)).not.toEqual(Array.from(first));
      expect(Array.from(other)).not.toEqual(Array.from(first));
    });
    model.dispose();
    vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  });

  it('attacks work inside noGrad (they re-enable recording for their own gradients only)', () => {
    const p = PLACES[0];
    const model = copyModel(trained, p);
    const data = blobs(6, 3, p);
    vm.tidy(() => {
      const inside = vm.noGrad(() => A.pgd({ eps: 0.5, steps: 3 }).run(model, data));
      const outside = A.pgd({ eps: 0.5, steps: 3 }).run(model, data);
      for (const m of ['a', 'b']) expect(bits(inside.delta[m])).toEqual(bits(outside.delta[m]));
      expect(inside.logits.requiresGrad).toBe(false);
      expect(model.params.every((w) => w.grad === null)).toBe(true);
    });
    model.dispose();
    vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  });

  it('a step size of 0 without a random start returns the input (PGD, MIM, FGSM)', () => {
    const p = PLACES[0];
    const model = copyModel(trained, p);
    const data = blobs(6, 3, p);
    vm.tidy(() => {
      for (const atk of [A.pgd({ eps: 0.5, stepSize: 0, randomStart: false }), A.mim({ eps: 0.5, stepSize: 0 }), A.fgsm({ eps: 0.5, stepSize: 0 }), A.pgd({ eps: 0.5, steps: 0, randomStart: false })]) {
        const r = atk.run(model, data);
        for (const m of ['a', 'b']) expect(bits(r.adversarial[m]), atk.toString()).toEqual(bits(r.clean[m]));
      }
    });
    model.dispose();
    vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  });

  for (const p of PLACES) {
    it(`${p.dtype} on ${p.backend}: attacking a batch then taking row i equals attacking row i alone`, () => {
      vm.setBackend(p.backend);
      const model = copyModel(trained, p);
      const data = blobs(5, 9, p);
      vm.tidy(() => {
        const z = vm.noGrad(() => model.encode(data.inputs));
        const noise = { a: vm.randn([5, 5], { seed: 1, ...p }), b: vm.randn([5, 5], { seed: 2, ...p }) };
        const threats: A.ThreatModelOptions[] = [{ eps: 0.6 }, { eps: 0.1, norm: 'linf', relative: false }];
        for (const t of threats) {
          // 'sum' makes each sample's gradient independent of the batch size (with 'mean' the 1e-8
          // guard of the normalisation sees the 1/B scale).
          const attacks = [
            A.fgsm({ ...t, reduction: 'sum' }),
            A.fgsm({ ...t, reduction: 'sum', randomStart: true }),
            A.pgd({ ...t, reduction: 'sum', steps: 4 }),
            A.mim({ ...t, reduction: 'sum', steps: 3 }),
            A.apgd({ ...t, reduction: 'sum', steps: 8 }),
          ];
          for (const atk of attacks) {
            const whole = atk.perturb(model, z, data.labels, { noise });
            for (let i = 0; i < 5; i++) {
              const row = (t: vm.Tensor): vm.Tensor => t.slice([i], [1]);
              const one = atk.perturb(model, { a: row(z.a), b: row(z.b) }, row(data.labels), { noise: { a: row(noise.a), b: row(noise.b) } });
              for (const m of ['a', 'b']) {
                const expected = row(whole.delta[m]).dataSync();
                const got = one.delta[m].dataSync();
                if (p.dtype === 'float64') expect(Array.from(got), `${atk} row ${i} ${m}`).toEqual(Array.from(expected));
                else Array.from(got).forEach((v, j) => expect(Math.abs(v - expected[j]), `${atk} row ${i} ${m}`).toBeLessThan(1e-5));
              }
            }
          }
        }
        // With the default 'mean' the difference is only the guard's: ~1e-8 relative.
        const mean = A.pgd({ eps: 0.6, steps: 4 });
        const whole = mean.perturb(model, z, data.labels, { noise });
        const one = mean.perturb(model, { a: z.a.slice([2], [1]), b: z.b.slice([2], [1]) }, data.labels.slice([2], [1]), { noise: { a: noise.a.slice([2], [1]), b: noise.b.slice([2], [1]) } });
        const e = whole.delta.a.slice([2], [1]).dataSync();
        Array.from(one.delta.a.dataSync()).forEach((v, j) => expect(Math.abs(v - e[j])).toBeLessThan(p.dtype === 'float64' ? 1e-7 : 1e-5));
      });
      model.dispose();
      vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
    });
  }

  it('wasm float32 agrees with the reference float64 (same weights, same start noise)', () => {
    const ref = copyModel(trained, PLACES[0]);
    const was = copyModel(trained, PLACES[1]);
    const d64 = blobs(8, 5, PLACES[0]);
    const d32 = blobs(8, 5, PLACES[1]);
    vm.tidy(() => {
      const n64 = { a: vm.randn([8, 2, 3], { seed: 1, ...PLACES[0] }), b: vm.randn([8, 4], { seed: 2, ...PLACES[0] }) };
      const n32 = { a: vm.randn([8, 2, 3], { seed: 1, ...PLACES[1] }), b: vm.randn([8, 4], { seed: 2, ...PLACES[1] }) };
      const z64 = vm.noGrad(() => ref.encode(d64.inputs));
      const z32 = vm.noGrad(() => was.encode(d32.inputs));
      const m64 = { a: vm.randn([8, 5], { seed: 3, ...PLACES[0] }), b: vm.randn([8, 5], { seed: 4, ...PLACES[0] }) };
      const m32 = { a: vm.randn([8, 5], { seed: 3, ...PLACES[1] }), b: vm.randn([8, 5], { seed: 4, ...PLACES[1] }) };
      const attacks = [
        A.fgsm({ space: 'input', eps: 0.5, ranges: [0, 1] }),
        A.pgd({ space: 'input', eps: 0.5, steps: 5, ranges: [0, 1] }),
        A.pgd({ eps: 0.6, steps: 5 }),
        A.mim({ eps: 0.6, steps: 5 }),
      ];
      for (const atk of attacks) {
        const input = atk.threat.space === 'input';
        const a = atk.perturb(ref, input ? d64.inputs : z64, d64.labels, { noise: input ? n64 : m64 });
        const b = atk.perturb(was, input ? d32.inputs : z32, d32.labels, { noise: input ? n32 : m32 });
        for (const m of ['a', 'b']) {
          const x = a.delta[m].dataSync();
          const y = b.delta[m].dataSync();
          const scale = Math.max(...Array.from(x, Math.abs));
          Array.from(y).forEach((v, j) => expect(Math.abs(v - x[j]) / scale, `${atk} ${m}`).toBeLessThan(1e-4));
        }
        const la = a.logits.dataSync();
        Array.from(b.logits.dataSync()).forEach((v, j) => expect(Math.abs(v - la[j])).toBeLessThan(1e-4));
      }
    });
    vm.dispose([ref.params, was.params, d64.inputs, d64.labels, d32.inputs, d32.labels]);
  });
});
