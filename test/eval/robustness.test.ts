import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { Dataset } from '../../src/data/dataset.js';
import { checkGradientMasking, checkMonotoneInBudget, evaluateRobustness, formatRobustnessReport, robustnessCurve, METRIC_DEFINITIONS, type EvaluatedModel } from '../../src/eval/index.js';
import { blobs, copyModel, linearModel, mlpFromWeights, mlpModel, type Placement, type TinyModel } from '../attacks/helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// Robustness evaluation: the paper's robust accuracy and the other metrics computed as defined;
// DESIGN.md section 4, invariant 6 (robust accuracy never rises with eps or steps; PGD at least as
// strong as FGSM); per-subset results; the gradient-masking checks firing on a masked model and
// staying quiet on a normal one; datasets and tensor batches giving the same numbers.

const P: Placement = { dtype: 'float64', backend: 'reference' };
const W: Placement = { dtype: 'float32', backend: 'wasm' };

let trained: TinyModel;
beforeAll(async () => {
  await vm.init({ backend: 'wasm' });
  vm.setBackend('reference');
  trained = mlpModel(P);
});
afterAll(() => trained.dispose());

checkNoLeaks();

type Data = ReturnType<typeof blobs>;
const freeData = (d: Data): void => vm.dispose([d.inputs.a, d.inputs.b, d.labels]);
/** Tensor batches of `size` rows (views of one big batch). */
function batchesOf(d: Data, size: number): A.AttackBatch[] {
  const n = d.labels.shape[0];
  const out: A.AttackBatch[] = [];
  for (let s = 0; s < n; s += size) {
    const k = Math.min(size, n - s);
    out.push({ inputs: { a: d.inputs.a.slice([s], [k]), b: d.inputs.b.slice([s], [k]) }, labels: d.labels.slice([s], [k]) });
  }
  return out;
}
const freeBatches = (bs: A.AttackBatch[]): void => bs.forEach((b) => vm.dispose([b.inputs.a, b.inputs.b, b.labels]));

describe('evaluateRobustness', () => {
  it('computes robust accuracy (clean AND adversarial right, over all samples), adversarial accuracy and success rate as defined', async () => {
    const model = copyModel(trained, P);
    const data = blobs(60, 31, P);
    const atk = A.pgd({ eps: 1.2, steps: 5, seed: 3 });
    // By hand: the same attack (same seed) on the same batches.
    const batches = batchesOf(data, 25);
    let [robust, adv, cleanRight, successes] = [0, 0, 0, 0];
    const copy = atk.with({});
    for (const b of batches) {
      vm.tidy(() => {
        const clean = model.fuse(model.encode(b.inputs)).argmax().dataSync();
        const r = copy.run(model, b);
        const pred = r.logits.argmax().dataSync();
        const y = b.labels.dataSync();
        for (let i = 0; i < y.length; i++) {
          const c = clean[i] === y[i];
          const a = pred[i] === y[i];
          robust += Number(c && a);
          adv += Number(a);
          cleanRight += Number(c);
          successes += Number(c && !a);
        }
      });
    }
    const report = await evaluateRobustness(model, batches, { attacks: { pgd: atk } });
    expect(report.samples).toBe(60);
    expect(report.clean.correct).toBe(cleanRight);
    const e = report.results[0];
    expect(e.subset).toBe('joint');
    expect(e.robustCorrect).toBe(robust);
    expect(e.robustAccuracy).toBe(robust / 60);
    expect(e.adversarialCorrect).toBe(adv);
    expect(e.successes).toBe(successes);
    expect(e.successDenominator).toBe(cleanRight);
    expect(e.attackSuccessRate).toBe(successes / cleanRight);
    // The attack does something, and the two definitions of robust accuracy are told apart.
    expect(robust).toBeLessThan(cleanRight);
    expect(report.definitions).toEqual(METRIC_DEFINITIONS);
    expect(report.definitions.robustAccuracy).toContain('clean prediction AND adversarial prediction');
    expect(report.worstCase).toBe(null);
    expect(formatRobustnessReport(report)).toContain('robust acc');
    freeBatches(batches);
    freeData(data);
    model.dispose();
  });

  it('eps = 0 gives robust accuracy = clean accuracy and no successes; limit stops early', async () => {
    const model = copyModel(trained, P);
    const data = blobs(30, 32, P);
    const batches = batchesOf(data, 8);
    const report = await evaluateRobustness(model, batches, { attacks: [A.pgd({ eps: 0, steps: 3 })], limit: 20 });
    expect(report.samples).toBe(20);
    expect(report.results[0].robustCorrect).toBe(report.clean.correct);
    expect(report.results[0].successes).toBe(0);
    freeBatches(batches);
    freeData(data);
    model.dispose();
  });

  for (const p of [P, W]) {
    it(`${p.dtype} on ${p.backend}: robust accuracy never rises with eps or steps, and PGD is at least as strong as FGSM`, async () => {
      vm.setBackend(p.backend);
      const model = copyModel(trained, p);
      const data = blobs(90, 33, p);
      const batches = batchesOf(data, 45);
      const eps = [0, 0.2, 0.4, 0.8, 1.2, 1.6, 2.4];
      for (const space of ['latent', 'input'] as const) {
        const base = space === 'latent' ? { eps: 1 } : { space, eps: 0.1, norm: 'linf' as const, ranges: [0, 1] as const };
        const scaleEps = (e: number): number => (space === 'latent' ? e : e / 8);
        // PGD with a random start and enough steps (20 of 0.25 r) to travel back from it: the paper's
        // 10 steps of r / 10 from a random point of the sphere are weaker (see the subset test below).
        const curve = await robustnessCurve(model, batches, A.pgd({ ...base, steps: 20, stepSize: 0.25, seed: 1 }), { eps: eps.map(scaleEps) });
        const acc = curve.points.map((q) => q.robustAccuracy);
        for (let i = 1; i < acc.length; i++) expect(acc[i], `${space} pgd eps ${eps[i]}`).toBeLessThanOrEqual(acc[i - 1]);
        expect(curve.warnings.filter((w) => w.kind === 'not-monotone-in-budget')).toEqual([]);
        expect(curve.report.worstCase).toBe(null);
        expect(acc[acc.length - 1]).toBeLessThan(acc[0]);
        // FGSM versus PGD at each budget: PGD keeping its best iterate, whose first step is FGSM's,
        // is at least as strong on every sample.
        const first = (t: number): number => (t === 0 ? 1 : 0.25);
        const fgsm = await evaluateRobustness(model, batches, { attacks: Object.fromEntries(eps.map((e) => [`fgsm@${e}`, A.fgsm({ ...base, eps: scaleEps(e) })])), perSample: true });
        const best = await evaluateRobustness(model, batches, { attacks: Object.fromEntries(eps.map((e) => [`pgd@${e}`, A.pgd({ ...base, eps: scaleEps(e), steps: 10, stepSize: 1, schedule: first, randomStart: false, keep: 'best' })])), perSample: true });
        best.results.forEach((q, i) => q.robust!.forEach((v, j) => expect(v, `${space} eps ${eps[i]} sample ${j}: PGD <= FGSM`).toBeLessThanOrEqual(fgsm.results[i].robust![j])));
        // Steps: 1, 2, 5, 10, 20 with the best iterate kept: the trajectories share their prefix, so
        // robust accuracy cannot rise, sample by sample.
        let prev: number[] | null = null;
        for (const steps of [1, 2, 5, 10, 20]) {
          const r = await evaluateRobustness(model, batches, { attacks: [A.pgd({ ...base, eps: scaleEps(1.2), steps, stepSize: 0.25, randomStart: false, keep: 'best' })], perSample: true });
          const flags = r.results[0].robust!;
          if (prev) flags.forEach((v, j) => expect(v, `${space} ${steps} steps, sample ${j}`).toBeLessThanOrEqual(prev![j]));
          prev = flags;
        }
      }
      freeBatches(batches);
      freeData(data);
      model.dispose();
    });
  }

  it('on a linear model, FGSM robustness is non-increasing in eps sample by sample', async () => {
    // FGSM moves each sample along the fixed ray eps sign(g(x)); the logit margins are linear along it,
    // so a sample right at eps is right at every smaller eps.
    const model = linearModel(P, 2);
    const data = blobs(60, 34, P);
    const batches = batchesOf(data, 60);
    const flags: number[][] = [];
    for (const e of [0, 0.05, 0.1, 0.2, 0.4]) {
      const r = await evaluateRobustness(model, batches, { attacks: [A.fgsm({ space: 'input', norm: 'linf', eps: e })], perSample: true });
      flags.push(r.results[0].robust!);
    }
    expect(flags[flags.length - 1].reduce((a, b) => a + b, 0)).toBeLessThan(flags[0].reduce((a, b) => a + b, 0));
    for (let k = 1; k < flags.length; k++) {
      const [prev, cur] = [flags[k - 1], flags[k]];
      cur.forEach((v, i) => expect(v, `sample ${i}`).toBeLessThanOrEqual(prev[i]));
    }
    freeBatches(batches);
    freeData(data);
    model.dispose();
  });

  it('reports each modality alone and jointly; joint is at least as strong as either alone; the worst case is at least as strong as every attack', async () => {
    const model = copyModel(trained, P);
    const data = blobs(60, 35, P);
    const batches = batchesOf(data, 30);
    const report = await evaluateRobustness(model, batches, {
      attacks: { pgd: A.pgd({ eps: 1.6, steps: 20, stepSize: 0.25, seed: 2 }), fgsm: A.fgsm({ eps: 1.6 }), apgd: A.apgd({ eps: 1.6, steps: 20, seed: 4 }) },
      subsets: 'each+joint',
    });
    expect(report.results.map((r) => `${r.attack}/${r.subset}`)).toEqual(['pgd/a', 'pgd/b', 'pgd/joint', 'fgsm/a', 'fgsm/b', 'fgsm/joint', 'apgd/a', 'apgd/b', 'apgd/joint']);
    for (const name of ['pgd', 'apgd']) {
      const get = (s: string): number => report.results.find((r) => r.attack === name && r.subset === s)!.robustAccuracy;
      expect(get('joint')).toBeLessThanOrEqual(Math.min(get('a'), get('b')));
    }
    expect(report.worstCase!.map((r) => r.subset)).toEqual(['a', 'b', 'joint']);
    for (const w of report.worstCase!) {
      for (const r of report.results.filter((x) => x.subset === w.subset)) expect(w.robustAccuracy).toBeLessThanOrEqual(r.robustAccuracy);
    }
    // APGD is at least as strong as FGSM here, and no masking warning fires on this smooth model.
    const joint = (n: string): number => report.results.find((r) => r.attack === n && r.subset === 'joint')!.robustAccuracy;
    expect(joint('apgd')).toBeLessThanOrEqual(joint('fgsm'));
    expect(report.warnings).toEqual([]);
    // The paper's evaluation PGD (step r / 10 from a random point of the sphere) travels too little
    // to beat FGSM on this model: the check says so.
    const paper = await evaluateRobustness(model, batches, { attacks: { 'pgd-paper': A.pgd({ eps: 1.6, steps: 10, seed: 2 }), fgsm: A.fgsm({ eps: 1.6 }) } });
    expect(paper.warnings.map((w) => `${w.kind}:${w.stronger}>${w.expectedStronger}`)).toEqual(['single-step-beats-iterative:fgsm>pgd-paper']);
    freeBatches(batches);
    freeData(data);
    model.dispose();
  });

  it('accepts a Dataset through the model\'s prepareInputs and gives the same numbers as tensor batches', async () => {
    const model = copyModel(trained, P);
    const data = blobs(40, 36, P);
    const ds = new Dataset({
      name: 'blobs', classes: 3, labels: Int32Array.from(data.labels.dataSync()),
      inputs: { a: { data: Float32Array.from(data.inputs.a.dataSync()), shape: [40, 2, 3] }, b: { data: Float32Array.from(data.inputs.b.dataSync()), shape: [40, 4] } },
    });
    const withPrepare: EvaluatedModel = {
      ...model,
      prepareInputs: (raw) => ({ a: vm.tensor(raw.a.data, raw.a.shape, P), b: vm.tensor(raw.b.data, raw.b.shape, P) }),
    };
    // The same values as float32 arrays round-trip through float64 tensors.
    const rounded = { a: vm.tensor(Float32Array.from(data.inputs.a.dataSync()), [40, 2, 3], P), b: vm.tensor(Float32Array.from(data.inputs.b.dataSync()), [40, 4], P) };
    const batches = batchesOf({ inputs: rounded, labels: data.labels, indices: data.indices }, 16);
    const attacks = () => ({ pgd: A.pgd({ eps: 1.2, steps: 4, seed: 9 }) });
    const fromDataset = await evaluateRobustness(withPrepare, ds, { attacks: attacks(), batchSize: 16, limit: 35 });
    const fromTensors = await evaluateRobustness(model, batches, { attacks: attacks(), limit: 35 });
    expect(fromDataset.samples).toBe(35);
    expect(fromDataset.clean).toEqual(fromTensors.clean);
    expect(fromDataset.results[0].robustCorrect).toBe(fromTensors.results[0].robustCorrect);
    expect(fromDataset.results[0].adversarialCorrect).toBe(fromTensors.results[0].adversarialCorrect);
    freeBatches(batches);
    vm.dispose(rounded);
    freeData(data);
    model.dispose();
  });

  it('rejects bad options with typed errors', async () => {
    const model = copyModel(trained, P);
    const data = blobs(4, 1, P);
    const batches = batchesOf(data, 4);
    const run = (o: object) => evaluateRobustness(model, batches, o as never);
    await expect(run({ attacks: [] })).rejects.toThrow(/attacks/);
    await expect(run({ attacks: [A.fgsm({ eps: 1 }), A.fgsm({ eps: 2 })] })).rejects.toThrow(/distinct names/);
    await expect(run({ attacks: [A.fgsm({ eps: 1 })], subsets: [['c']] })).rejects.toThrow(/subsets\[0\]/);
    await expect(run({ attacks: [A.fgsm({ eps: 1 })], limit: 0 })).rejects.toThrow(/limit/);
    await expect(run({ attacks: [A.fgsm({ eps: 1 })], batchsize: 3 })).rejects.toThrow(/unknown option 'batchsize'/);
    await expect(evaluateRobustness(model, new Dataset({ name: 'x', classes: 3, labels: Int32Array.of(0), inputs: { a: { data: new Float32Array(6), shape: [1, 2, 3] }, b: { data: new Float32Array(4), shape: [1, 4] } } }), { attacks: [A.fgsm({ eps: 1 })] })).rejects.toThrow(/prepareInputs/);
    freeBatches(batches);
    freeData(data);
    model.dispose();
  });
});

describe('gradient-masking checks', () => {
  it('fire when a black-box attack beats a gradient attack on a model with masked gradients', async () => {
    // Quantising the latents to a grid of 0.5 makes every gradient with respect to them zero: gradient
    // attacks cannot move (without a random start), random noise still crosses decision boundaries.
    const masked: TinyModel = {
      ...copyModel(trained, P),
      fuse: (z) => vm.tidy(() => {
        const q = (t: vm.Tensor): vm.Tensor => t.mul(2).floor().div(2);
        return mlpFromWeights(trained.params).fuse({ a: q(z.a), b: q(z.b) });
      }),
    };
    const data = blobs(60, 37, P);
    const batches = batchesOf(data, 30);
    const report = await evaluateRobustness(masked, batches, {
      attacks: {
        pgd: A.pgd({ eps: 1.6, steps: 10, randomStart: false }),
        fgsm: A.fgsm({ eps: 1.6 }),
        noise: A.randomNoise({ eps: 1.6, trials: 20, seed: 1 }),
        search: A.randomSearch({ eps: 1.6, queries: 40, seed: 2 }),
      },
    });
    const acc = (n: string): number => report.results.find((r) => r.attack === n)!.robustAccuracy;
    expect(acc('pgd')).toBe(report.clean.accuracy);
    expect(acc('noise')).toBeLessThan(acc('pgd'));
    const kinds = report.warnings.map((w) => `${w.kind}:${w.stronger}>${w.expectedStronger}`);
    expect(kinds).toContain('black-box-beats-white-box:noise>pgd');
    expect(kinds).toContain('black-box-beats-white-box:search>pgd');
    expect(report.warnings[0].message).toContain('gradient masking');
    expect(formatRobustnessReport(report)).toContain('warning: possible gradient masking');
    freeBatches(batches);
    freeData(data);
    vm.dispose(masked.params);
  });

  it('compare only equal subsets and budgets; single-step beating iterative and non-monotone curves are flagged', () => {
    const flags = (s: string): Uint8Array => Uint8Array.from(s, (c) => Number(c));
    const base = { subset: 'joint', budget: 'x' };
    const w = checkGradientMasking([
      { ...base, name: 'pgd', kind: 'white-box', gradientSteps: 10, robust: flags('1111') },
      { ...base, name: 'fgsm', kind: 'white-box', gradientSteps: 1, robust: flags('0111') },
      { ...base, name: 'noise', kind: 'black-box', gradientSteps: 0, robust: flags('1011'), budget: 'y' },
      { ...base, name: 'noise-a', kind: 'black-box', gradientSteps: 0, robust: flags('1001'), subset: 'a' },
    ]);
    expect(w.map((x) => x.kind)).toEqual(['single-step-beats-iterative']);
    expect(w[0].samplesOnlyBrokenByWeaker).toBe(1);
    expect(w[0].accuracy).toBe(0.75);
    const m = checkMonotoneInBudget('pgd', 'joint', [{ eps: 0.2, accuracy: 0.5 }, { eps: 0.1, accuracy: 0.6 }, { eps: 0.4, accuracy: 0.55 }]);
    expect(m.map((x) => [x.stronger, x.expectedStronger])).toEqual([['pgd@0.2', 'pgd@0.4']]);
  });
});
