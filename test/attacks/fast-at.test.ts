import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { blobs, linearModel, type Placement, type TinyModel } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// The fast adversarial-training attacks against a hand computation of VARMAT.md's formulas (section 5
// for the authors' latent form, 5.7 for the original papers' input form) on a linear model, where the
// gradient of the batch-mean CE is (1/B) W (softmax - onehot) per sample. The oracle below is plain
// JavaScript arithmetic in float64, written from the formulas, not from the implementation: memories
// keyed by dataset index, re-projection with the current radius, PCO's lambda / A / T mapping.

const P: Placement = { dtype: 'float64', backend: 'reference' };
const TOL = 1e-12;

checkNoLeaks();

// ---- the oracle ----------------------------------------------------------------------------------
type Vec = number[];
/** Per modality, one vector per sample. */
type Batch = Record<'a' | 'b', Vec[]>;
const MODS = ['a', 'b'] as const;

const norm2 = (v: Vec): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const addv = (u: Vec, v: Vec): Vec => u.map((x, i) => x + v[i]);
const scale = (v: Vec, s: number): Vec => v.map((x) => x * s);
const proj = (d: Vec, r: number): Vec => scale(d, Math.min(1, r / (norm2(d) + 1e-8)));
const unit = (g: Vec): Vec => scale(g, 1 / (norm2(g) + 1e-8));
const sgn = (v: Vec): Vec => v.map(Math.sign);

class Oracle {
  readonly wa: number[][];
  readonly wb: number[][];
  readonly bias: number[];
  constructor(model: TinyModel) {
    const [wa, wb, bias] = model.params.map((t) => Array.from(t.dataSync()));
    this.wa = Array.from({ length: 6 }, (_, j) => wa.slice(j * 3, j * 3 + 3));
    this.wb = Array.from({ length: 4 }, (_, j) => wb.slice(j * 3, j * 3 + 3));
    this.bias = bias;
  }

  logits(za: Vec, zb: Vec): Vec {
    return this.bias.map((c0, c) => c0 + za.reduce((s, x, j) => s + x * this.wa[j][c], 0) + zb.reduce((s, x, j) => s + x * this.wb[j][c], 0));
  }

  probs(za: Vec, zb: Vec): Vec {
    const l = this.logits(za, zb);
    const m = Math.max(...l);
    const e = l.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  }

  /** Gradient of the batch-mean CE at z + d, per sample and modality. */
  grad(z: Batch, d: Batch, labels: number[]): Batch {
    const n = labels.length;
    const out: Batch = { a: [], b: [] };
    for (let i = 0; i < n; i++) {
      const p = this.probs(addv(z.a[i], d.a[i]), addv(z.b[i], d.b[i]));
      const e = p.map((x, c) => (x - (c === labels[i] ? 1 : 0)) / n);
      out.a.push(this.wa.map((row) => row.reduce((s, w, c) => s + w * e[c], 0)));
      out.b.push(this.wb.map((row) => row.reduce((s, w, c) => s + w * e[c], 0)));
    }
    return out;
  }
}

function rows(t: vm.Tensor): Vec[] {
  const d = Array.from(t.dataSync());
  const per = d.length / t.shape[0];
  return Array.from({ length: t.shape[0] }, (_, i) => d.slice(i * per, (i + 1) * per));
}
const batchOf = (x: Readonly<Record<string, vm.Tensor>>): Batch => ({ a: rows(x.a), b: rows(x.b) });

function expectClose(got: vm.Tensor, want: Vec[], what: string): void {
  const g = rows(got);
  expect(g.length, what).toBe(want.length);
  const s = Math.max(1e-300, ...want.flat().map(Math.abs));
  g.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i][j]) / s, `${what}[${i}][${j}]`).toBeLessThan(TOL)));
}

function expectBatch(got: Readonly<Record<string, vm.Tensor>>, want: Batch, what: string): void {
  for (const m of MODS) expectClose(got[m], want[m], `${what}.${m}`);
}

/** Per-sample L2 radius (eps / 2) ||z_m|| of the varmat form. */
const radius = (z: Batch, eps: number): Record<'a' | 'b', number[]> => ({ a: z.a.map((v) => (eps / 2) * norm2(v)), b: z.b.map((v) => (eps / 2) * norm2(v)) });

function setup(seed: number) {
  const model = linearModel(P, seed);
  const data = blobs(3, seed + 10, P);
  const oracle = new Oracle(model);
  const labels = Array.from(data.labels.dataSync());
  return { model, data, oracle, labels, free: () => { model.dispose(); vm.dispose([data.inputs.a, data.inputs.b, data.labels]); } };
}

describe('VARMAT\'s latent forms (VARMAT.md 5.1-5.4) against a hand computation', () => {
  const eps = 0.4;

  it('FGSM-RS: delta = Proj_r(delta0 + r g^) from delta0 = Proj_r(n r); no memory', () => {
    const s = setup(1);
    vm.tidy(() => {
      const z = batchOf(s.data.inputs);
      const noise = { a: vm.randn([3, 2, 3], { seed: 1, ...P }), b: vm.randn([3, 4], { seed: 2, ...P }) };
      const n = batchOf(noise);
      const r = radius(z, eps);
      const d0: Batch = { a: n.a.map((v, i) => proj(scale(v, r.a[i]), r.a[i])), b: n.b.map((v, i) => proj(scale(v, r.b[i]), r.b[i])) };
      const g = s.oracle.grad(z, d0, s.labels);
      const want: Batch = { a: d0.a.map((v, i) => proj(addv(v, scale(unit(g.a[i]), r.a[i])), r.a[i])), b: d0.b.map((v, i) => proj(addv(v, scale(unit(g.b[i]), r.b[i])), r.b[i])) };
      const atk = A.fgsmRs({ eps });
      const step = atk.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], 0, { noise });
      expectBatch(step.start, d0, 'start');
      expectBatch(step.delta, want, 'delta');
      expect(step.stored).toBe(null);
      expect(step.mixing).toBe(null);
      expect(atk.memory.size).toBe(0);
      // Through perturb (evaluation use), the same first-epoch step.
      expectBatch(atk.perturb(s.model, s.data.inputs, s.data.labels, { noise }).delta, want, 'perturb');
    });
    s.free();
  });

  it('FGSM-EP: epoch 0 is RS; later epochs start from Proj_r(bank[idx]) with the current radius; bank <- delta', () => {
    const s = setup(2);
    const atk = A.fgsmEp({ eps });
    vm.tidy(() => {
      const z0 = batchOf(s.data.inputs);
      const n0 = { a: vm.randn([3, 2, 3], { seed: 3, ...P }), b: vm.randn([3, 4], { seed: 4, ...P }) };
      const n = batchOf(n0);
      const r0 = radius(z0, eps);
      const start0: Batch = { a: n.a.map((v, i) => proj(scale(v, r0.a[i]), r0.a[i])), b: n.b.map((v, i) => proj(scale(v, r0.b[i]), r0.b[i])) };
      const g0 = s.oracle.grad(z0, start0, s.labels);
      const d0: Batch = { a: start0.a.map((v, i) => proj(addv(v, scale(unit(g0.a[i]), r0.a[i])), r0.a[i])), b: start0.b.map((v, i) => proj(addv(v, scale(unit(g0.b[i]), r0.b[i])), r0.b[i])) };
      const s0 = atk.step(s.model, s.data.inputs, s.data.labels, [10, 11, 12], 0, { noise: n0 });
      expectBatch(s0.delta, d0, 'epoch 0 delta');
      expectBatch(s0.stored!, d0, 'epoch 0 stored');
      for (const m of MODS) expectClose(atk.memory.gather([12, 10], m), [d0[m][2], d0[m][0]], `bank.${m}`);

      // Epoch 1: the latents shrank (the encoder changed), so the priors are re-projected onto smaller
      // balls; the batch is reordered and holds a new sample (13) that starts from the random start.
      const order = [2, 0, 1];
      const x1 = { a: s.data.inputs.a.gather(vm.tensor(order, [3], { dtype: 'int32' })).mul(0.7), b: s.data.inputs.b.gather(vm.tensor(order, [3], { dtype: 'int32' })).mul(0.7) };
      const y1 = s.data.labels.gather(vm.tensor(order, [3], { dtype: 'int32' }));
      const labels1 = order.map((i) => s.labels[i]);
      const z1 = batchOf(x1);
      const r1 = radius(z1, eps);
      const n1 = { a: vm.randn([3, 2, 3], { seed: 5, ...P }), b: vm.randn([3, 4], { seed: 6, ...P }) };
      const nn = batchOf(n1);
      const prior: Batch = { a: [d0.a[2], d0.a[0], []], b: [d0.b[2], d0.b[0], []] };
      const start1: Batch = { a: [], b: [] };
      for (const m of MODS) {
        for (let i = 0; i < 3; i++) start1[m].push(i < 2 ? proj(prior[m][i], r1[m][i]) : proj(scale(nn[m][i], r1[m][i]), r1[m][i]));
      }
      const g1 = s.oracle.grad(z1, start1, labels1);
      const d1: Batch = { a: start1.a.map((v, i) => proj(addv(v, scale(unit(g1.a[i]), r1.a[i])), r1.a[i])), b: start1.b.map((v, i) => proj(addv(v, scale(unit(g1.b[i]), r1.b[i])), r1.b[i])) };
      const s1 = atk.step(s.model, x1, y1, [12, 10, 13], 1, { noise: n1 });
      expectBatch(s1.start, start1, 'epoch 1 start');
      expectBatch(s1.delta, d1, 'epoch 1 delta');
      for (const m of MODS) {
        expectClose(atk.memory.gather([10, 11, 12, 13], m), [d1[m][1], d0[m][1], d1[m][0], d1[m][2]], `bank after epoch 1 .${m}`);
      }
      expect(atk.memory.size).toBe(8);
    });
    atk.dispose();
    expect(atk.memory.size).toBe(0);
    s.free();
  });

  it('FGSM-MEP: momentum of normalised gradients; the bank moves from itself along mom / ||mom||', () => {
    const s = setup(3);
    const atk = A.fgsmMep({ eps });
    vm.tidy(() => {
      const z = batchOf(s.data.inputs);
      const r = radius(z, eps);
      const n0 = { a: vm.randn([3, 2, 3], { seed: 7, ...P }), b: vm.randn([3, 4], { seed: 8, ...P }) };
      const n = batchOf(n0);
      // Epoch 0: delta0 = RS start, g^0 there, delta = Proj(delta0 + r g^0), mom = g^0, bank = Proj(r g^0 / ||g^0||).
      const st0: Batch = { a: n.a.map((v, i) => proj(scale(v, r.a[i]), r.a[i])), b: n.b.map((v, i) => proj(scale(v, r.b[i]), r.b[i])) };
      const g0 = s.oracle.grad(z, st0, s.labels);
      const u0: Batch = { a: g0.a.map(unit), b: g0.b.map(unit) };
      const delta0: Batch = { a: st0.a.map((v, i) => proj(addv(v, scale(u0.a[i], r.a[i])), r.a[i])), b: st0.b.map((v, i) => proj(addv(v, scale(u0.b[i], r.b[i])), r.b[i])) };
      const bank0: Batch = { a: u0.a.map((v, i) => proj(scale(v, r.a[i] / norm2(v)), r.a[i])), b: u0.b.map((v, i) => proj(scale(v, r.b[i] / norm2(v)), r.b[i])) };
      const s0 = atk.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], 0, { noise: n0 });
      expectBatch(s0.delta, delta0, 'epoch 0 delta');
      expectBatch(s0.stored!, bank0, 'epoch 0 bank');
      for (const m of MODS) expectClose(atk.momentumBank.gather([0, 1, 2], m), u0[m], `epoch 0 momentum.${m}`);
      // Epochs 1 and 2: delta_init = Proj(bank); delta = Proj(delta_init + r g^); mom = 0.3 mom + g^;
      // bank = Proj(bank + r mom / ||mom||).
      let bank = bank0;
      let mom = u0;
      for (const epoch of [1, 2]) {
        const init: Batch = { a: bank.a.map((v, i) => proj(v, r.a[i])), b: bank.b.map((v, i) => proj(v, r.b[i])) };
        const g = s.oracle.grad(z, init, s.labels);
        const u: Batch = { a: g.a.map(unit), b: g.b.map(unit) };
        const delta: Batch = { a: init.a.map((v, i) => proj(addv(v, scale(u.a[i], r.a[i])), r.a[i])), b: init.b.map((v, i) => proj(addv(v, scale(u.b[i], r.b[i])), r.b[i])) };
        mom = { a: mom.a.map((v, i) => addv(scale(v, 0.3), u.a[i])), b: mom.b.map((v, i) => addv(scale(v, 0.3), u.b[i])) };
        const m2 = mom;
        bank = { a: bank.a.map((v, i) => proj(addv(v, scale(m2.a[i], r.a[i] / norm2(m2.a[i]))), r.a[i])), b: bank.b.map((v, i) => proj(addv(v, scale(m2.b[i], r.b[i] / norm2(m2.b[i]))), r.b[i])) };
        const st = atk.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], epoch);
        expectBatch(st.start, init, `epoch ${epoch} start`);
        expectBatch(st.delta, delta, `epoch ${epoch} delta`);
        expectBatch(st.stored!, bank, `epoch ${epoch} bank`);
        for (const m of MODS) expectClose(atk.momentumBank.gather([0, 1, 2], m), mom[m], `epoch ${epoch} momentum.${m}`);
      }
    });
    atk.dispose();
    s.free();
  });

  it('FGSM-PCO: A = Proj(d_init + 2 r g^), T = Proj(A + r g^), bank <- T, lambda = p_y(z + T), delta = lambda prior + (1 - lambda) A', () => {
    const s = setup(4);
    const atk = A.fgsmPco({ eps });
    vm.tidy(() => {
      const z = batchOf(s.data.inputs);
      const r = radius(z, eps);
      const n0 = { a: vm.randn([3, 2, 3], { seed: 9, ...P }), b: vm.randn([3, 4], { seed: 10, ...P }) };
      const n = batchOf(n0);
      let prior: Batch = { a: n.a.map((v, i) => proj(scale(v, r.a[i]), r.a[i])), b: n.b.map((v, i) => proj(scale(v, r.b[i]), r.b[i])) };
      for (const epoch of [0, 1, 2]) {
        const init: Batch = epoch === 0 ? prior : { a: prior.a.map((v, i) => proj(v, r.a[i])), b: prior.b.map((v, i) => proj(v, r.b[i])) };
        const g = s.oracle.grad(z, init, s.labels);
        const u: Batch = { a: g.a.map(unit), b: g.b.map(unit) };
        const a: Batch = { a: init.a.map((v, i) => proj(addv(v, scale(u.a[i], 2 * r.a[i])), r.a[i])), b: init.b.map((v, i) => proj(addv(v, scale(u.b[i], 2 * r.b[i])), r.b[i])) };
        const t: Batch = { a: a.a.map((v, i) => proj(addv(v, scale(u.a[i], r.a[i])), r.a[i])), b: a.b.map((v, i) => proj(addv(v, scale(u.b[i], r.b[i])), r.b[i])) };
        const lambda = s.labels.map((y, i) => s.oracle.probs(addv(z.a[i], t.a[i]), addv(z.b[i], t.b[i]))[y]);
        const p0 = prior;
        const delta: Batch = { a: a.a.map((v, i) => addv(scale(p0.a[i], lambda[i]), scale(v, 1 - lambda[i]))), b: a.b.map((v, i) => addv(scale(p0.b[i], lambda[i]), scale(v, 1 - lambda[i]))) };
        const st = atk.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], epoch, epoch === 0 ? { noise: n0 } : {});
        expectBatch(st.start, init, `epoch ${epoch} start`);
        expectBatch(st.mixing!.target, a, `epoch ${epoch} A`);
        expectBatch(st.stored!, t, `epoch ${epoch} T`);
        expectBatch(st.mixing!.prior, p0, `epoch ${epoch} prior (raw)`);
        expectClose(st.mixing!.weight.reshape([3, 1]), lambda.map((l) => [l]), `epoch ${epoch} lambda`);
        expectBatch(st.delta, delta, `epoch ${epoch} delta`);
        prior = t;
      }
    });
    atk.dispose();
    s.free();
  });
});

describe('the original papers\' input L-inf forms (VARMAT.md 5.7) against a hand computation', () => {
  const eps = 0.1;
  const box = (d: Vec, r: number): Vec => d.map((x) => Math.min(Math.max(x, -r), r));
  /** clip(x + d, 0, 1) - x, as the attacks keep inputs in range. */
  const inRange = (x: Vec, d: Vec): Vec => d.map((v, j) => Math.min(Math.max(x[j] + v, 0), 1) - x[j]);
  const opts = { form: 'original' as const, eps, ranges: [0, 1] as const };

  it('FGSM-RS (Wong et al.): delta0 ~ U[-eps, eps]; delta = clip(delta0 + 1.25 eps sign(g))', () => {
    const s = setup(5);
    vm.tidy(() => {
      const x = batchOf(s.data.inputs);
      const u = { a: vm.rand([3, 2, 3], { seed: 1, low: -1, high: 1, ...P }), b: vm.rand([3, 4], { seed: 2, low: -1, high: 1, ...P }) };
      const uu = batchOf(u);
      const d0: Batch = { a: uu.a.map((v, i) => inRange(x.a[i], box(scale(v, eps), eps))), b: uu.b.map((v, i) => inRange(x.b[i], box(scale(v, eps), eps))) };
      const g = s.oracle.grad(x, d0, s.labels);
      const want: Batch = { a: d0.a.map((v, i) => inRange(x.a[i], box(addv(v, scale(sgn(g.a[i]), 1.25 * eps)), eps))), b: d0.b.map((v, i) => inRange(x.b[i], box(addv(v, scale(sgn(g.b[i]), 1.25 * eps)), eps))) };
      const st = A.fgsmRs(opts).step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], 0, { noise: u });
      expectBatch(st.start, d0, 'start');
      expectBatch(st.delta, want, 'delta');
    });
    s.free();
  });

  it('FGSM-EP, FGSM-MEP and FGSM-PCO (Jia et al.; Wang et al.) over two epochs', () => {
    const s = setup(6);
    const ep = A.fgsmEp(opts);
    const mep = A.fgsmMep(opts);
    const pco = A.fgsmPco(opts);
    vm.tidy(() => {
      const x = batchOf(s.data.inputs);
      const u = { a: vm.rand([3, 2, 3], { seed: 3, low: -1, high: 1, ...P }), b: vm.rand([3, 4], { seed: 4, low: -1, high: 1, ...P }) };
      const uu = batchOf(u);
      // The banks start as clamp(alpha sign(U(-eps, eps)), -eps, eps) with alpha = eps, kept in range.
      const init: Batch = { a: uu.a.map((v, i) => inRange(x.a[i], scale(sgn(v), eps))), b: uu.b.map((v, i) => inRange(x.b[i], scale(sgn(v), eps))) };
      const fgsmFrom = (d: Batch, g: Batch): Batch => ({ a: d.a.map((v, i) => inRange(x.a[i], box(addv(v, scale(sgn(g.a[i]), eps)), eps))), b: d.b.map((v, i) => inRange(x.b[i], box(addv(v, scale(sgn(g.b[i]), eps)), eps))) });

      // EP: delta = clip(bank + alpha sign(g)); bank <- delta.
      let bankEp = init;
      // MEP: mom <- g / ||g||_1 (whole batch, per modality) + 0.3 mom; bank <- clip(bank + alpha sign(mom)).
      let bankMep = init;
      let mom: Batch = { a: x.a.map((v) => v.map(() => 0)), b: x.b.map((v) => v.map(() => 0)) };
      // PCO: c = 1 - p_y(x + prior); fgsm = clip(prior + alpha sign(g)); delta = c prior + (1 - c) 1.5 fgsm; bank <- fgsm.
      let bankPco = init;
      for (const epoch of [0, 1]) {
        const noise = epoch === 0 ? { noise: u } : {};
        const gEp = s.oracle.grad(x, bankEp, s.labels);
        const dEp = fgsmFrom(bankEp, gEp);
        const st = ep.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], epoch, noise);
        expectBatch(st.start, bankEp, `EP epoch ${epoch} start`);
        expectBatch(st.delta, dEp, `EP epoch ${epoch} delta`);
        bankEp = dEp;

        const gMep = s.oracle.grad(x, bankMep, s.labels);
        const dMep = fgsmFrom(bankMep, gMep);
        const l1 = { a: gMep.a.flat().reduce((t, v) => t + Math.abs(v), 0), b: gMep.b.flat().reduce((t, v) => t + Math.abs(v), 0) };
        mom = { a: mom.a.map((v, i) => addv(scale(gMep.a[i], 1 / l1.a), scale(v, 0.3))), b: mom.b.map((v, i) => addv(scale(gMep.b[i], 1 / l1.b), scale(v, 0.3))) };
        const nextMep = fgsmFrom(bankMep, mom);
        const sm = mep.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], epoch, noise);
        expectBatch(sm.start, bankMep, `MEP epoch ${epoch} start`);
        expectBatch(sm.delta, dMep, `MEP epoch ${epoch} delta`);
        expectBatch(sm.stored!, nextMep, `MEP epoch ${epoch} next init`);
        for (const m of MODS) expectClose(mep.momentumBank.gather([0, 1, 2], m), mom[m], `MEP epoch ${epoch} momentum.${m}`);
        bankMep = nextMep;

        const gPco = s.oracle.grad(x, bankPco, s.labels);
        const c = s.labels.map((y, i) => Math.min(1, Math.max(0, 1 - s.oracle.probs(addv(x.a[i], bankPco.a[i]), addv(x.b[i], bankPco.b[i]))[y])));
        const fg = fgsmFrom(bankPco, gPco);
        const prior = bankPco;
        const dPco: Batch = { a: prior.a.map((v, i) => addv(scale(v, c[i]), scale(fg.a[i], (1 - c[i]) * 1.5))), b: prior.b.map((v, i) => addv(scale(v, c[i]), scale(fg.b[i], (1 - c[i]) * 1.5))) };
        const sp = pco.step(s.model, s.data.inputs, s.data.labels, [0, 1, 2], epoch, noise);
        expectBatch(sp.start, prior, `PCO epoch ${epoch} start`);
        expectBatch(sp.stored!, fg, `PCO epoch ${epoch} delta_FGSM`);
        expectClose(sp.mixing!.weight.reshape([3, 1]), c.map((v) => [v]), `PCO epoch ${epoch} c`);
        expectBatch(sp.delta, dPco, `PCO epoch ${epoch} delta`);
        bankPco = fg;
      }
    });
    for (const a of [ep, mep, pco]) a.dispose();
    s.free();
  });
});

describe('MemoryBank', () => {
  it('writes rows by index, gathers them in any order with fallbacks, and round-trips through the host', async () => {
    const bank = new A.MemoryBank('test');
    const x = vm.tensor([[1, 2], [3, 4], [5, 6]], undefined, P);
    bank.write([7, 3, 9], { m: x });
    expect(bank.size).toBe(3);
    expect(bank.has(3, 'm')).toBe(true);
    expect(bank.hasAll([3, 9, 8], 'm')).toBe(false);
    vm.tidy(() => {
      expect(bank.gather([9, 7], 'm').toArray()).toEqual([[5, 6], [1, 2]]);
      const fallback = vm.tensor([[0, 0], [-1, -1]], undefined, P);
      expect(bank.gather([8, 3], 'm', fallback).toArray()).toEqual([[0, 0], [3, 4]]);
      expect(() => bank.gather([8], 'm')).toThrow(vm.VarmatError);
    });
    // Overwriting frees the old row.
    const y = vm.tensor([[10, 20]], undefined, P);
    const live = vm.memory().tensors;
    bank.write([3], { m: y });
    expect(vm.memory().tensors).toBe(live);
    const state = await bank.exportState();
    expect(Array.from(state.rows.m.indices)).toEqual([3, 7, 9]);
    expect(Array.from(state.rows.m.data)).toEqual([10, 20, 1, 2, 5, 6]);
    const copy = new A.MemoryBank('copy');
    copy.importState(state, P);
    vm.tidy(() => expect(copy.gather([9, 3], 'm').toArray()).toEqual([[5, 6], [10, 20]]));
    bank.dispose();
    copy.dispose();
    vm.dispose([x, y]);
  });
});
