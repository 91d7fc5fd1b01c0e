import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import * as A from '../../src/attacks/index.js';
import { blobs, linearModel, type Placement } from './helpers.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// Threat models resolve their defaults as documented, and every invalid option or input raises a
// typed VarmatError naming the argument (DESIGN.md section 4, invariant 4).

checkNoLeaks();

const P: Placement = { dtype: 'float64', backend: 'reference' };

function expectError(fn: () => unknown, code: vm.VarmatErrorCode, mentions: string): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ${code} error mentioning '${mentions}'`).toBeInstanceOf(vm.VarmatError);
  expect((caught as vm.VarmatError).code).toBe(code);
  expect((caught as vm.VarmatError).message).toContain(mentions);
}

describe('ThreatModel', () => {
  it('defaults: latent space, L2, relative budgets split equally by the model\'s modality count', () => {
    const tm = new A.ThreatModel({ eps: 0.2 });
    expect(tm.toJSON()).toEqual({ space: 'latent', norm: 'l2', eps: 0.2, relative: true, split: 'equal', modalities: 'all', ranges: null });
    expect(tm.budget('audiospec', 2)).toBeCloseTo(0.1, 15);
    expect(tm.budget('feature1', 3)).toBeCloseTo(0.2 / 3, 15);
    const input = new A.ThreatModel({ space: 'input', norm: 'linf', eps: 0.1, ranges: [0, 1] });
    expect(input.relative).toBe(false);
    expect(input.split).toBe('each');
    expect(input.budget('x', 2)).toBe(0.1);
    expect(input.range('x')).toEqual([0, 1]);
    const perModality = new A.ThreatModel({ space: 'input', eps: { a: 0.1, b: 0.3 }, ranges: { a: [0, 1] } });
    expect(perModality.budget('b', 2)).toBe(0.3);
    expect(perModality.range('b')).toEqual([-Infinity, Infinity]);
    expect(String(tm)).toBe('latent L2 eps 0.2 (relative, split equally) on all modalities');
  });

  it('with() changes options and re-derives what depends on them', () => {
    const tm = new A.ThreatModel({ eps: 0.2 });
    expect(tm.with({ modalities: ['a'] }).modalities).toEqual(['a']);
    expect(tm.with({ modalities: ['a'] }).with({ modalities: undefined }).modalities).toBe(null);
    expect(tm.with({ relative: false }).split).toBe('each');
    expect(tm.with({ space: 'input', ranges: [0, 1] }).range('a')).toEqual([0, 1]);
    expect(new A.ThreatModel({ space: 'input', eps: 1, ranges: [0, 1] }).with({ space: 'latent' }).ranges).toBe(null);
  });

  it('invalid threat models raise OPTION / VALUE errors naming the argument', () => {
    const make = (o: unknown) => () => new A.ThreatModel(o as A.ThreatModelOptions);
    expectError(make({}), 'VALUE', "'eps'");
    expectError(make({ eps: -0.1 }), 'VALUE', "'eps'");
    expectError(make({ eps: NaN }), 'VALUE', "'eps'");
    expectError(make({ eps: { a: -1 } }), 'VALUE', "'eps.a'");
    expectError(make({ eps: {} }), 'VALUE', "'eps'");
    expectError(make({ eps: 0.1, space: 'pixels' }), 'OPTION', "'space'");
    expectError(make({ eps: 0.1, norm: 'l1' }), 'OPTION', "'norm'");
    expectError(make({ eps: 0.1, relative: 'yes' }), 'OPTION', "'relative'");
    expectError(make({ eps: 0.1, split: 'half' }), 'OPTION', "'split'");
    expectError(make({ eps: 0.1, epsilon: 3 }), 'OPTION', "unknown option 'epsilon'");
    expectError(make({ eps: 0.1, modalities: [] }), 'VALUE', "'modalities'");
    expectError(make({ eps: 0.1, modalities: ['a', 'a'] }), 'VALUE', "'modalities'");
    expectError(make({ eps: 0.1, ranges: [0, 1] }), 'OPTION', "'ranges'");
    expectError(make({ eps: 0.1, space: 'input', ranges: [1, 0] }), 'VALUE', "'ranges'");
    expectError(make({ eps: 0.1, space: 'input', ranges: { a: [0] } }), 'VALUE', "'ranges.a'");
    expectError(make(null), 'OPTION', "'options'");
  });
});

describe('invalid attack options and inputs raise typed errors', () => {
  it('attack options', () => {
    const bad: [() => unknown, vm.VarmatErrorCode, string][] = [
      [() => A.pgd({ eps: 0.1, steps: -1 }), 'OPTION', "'steps'"],
      [() => A.pgd({ eps: 0.1, steps: 1.5 }), 'OPTION', "'steps'"],
      [() => A.pgd({ eps: 0.1, stepSize: NaN }), 'OPTION', "'stepSize'"],
      [() => A.pgd({ eps: 0.1, restarts: 0 }), 'OPTION', "'restarts'"],
      [() => A.pgd({ eps: 0.1, schedule: 'exp' as A.StepSchedule }), 'OPTION', "'schedule'"],
      [() => A.pgd({ eps: 0.1, randomStart: 1 as unknown as boolean }), 'OPTION', "'randomStart'"],
      [() => A.pgd({ eps: 0.1, loss: 'mse' as A.LossName }), 'OPTION', "'loss'"],
      [() => A.pgd({ eps: 0.1, reduction: 'max' as 'sum' }), 'OPTION', "'reduction'"],
      [() => A.pgd({ eps: 0.1, seed: 1.5 }), 'OPTION', "'seed'"],
      [() => A.pgd({ eps: 0.1, rng: 3 as unknown as vm.Rng }), 'OPTION', "'rng'"],
      [() => A.pgd({ eps: 0.1, step: 3 } as A.PgdOptions), 'OPTION', "unknown option 'step'"],
      [() => A.pgd({} as A.PgdOptions), 'VALUE', "'eps'"],
      [() => A.fgsm({ eps: 0.1, stepSize: -1 }), 'OPTION', "'stepSize'"],
      [() => A.mim({ eps: 0.1, decay: -1 }), 'OPTION', "'decay'"],
      [() => A.apgd({ eps: 0.1, rho: 2 }), 'OPTION', "'rho'"],
      [() => A.apgd({ eps: 0.1, steps: 0 }), 'OPTION', "'steps'"],
      [() => A.randomNoise({ eps: 0.1, trials: 0 }), 'OPTION', "'trials'"],
      [() => A.randomSearch({ eps: 0.1, queries: 0 }), 'OPTION', "'queries'"],
      [() => A.worstCase([]), 'VALUE', "'attacks'"],
      [() => A.worstCase([A.pgd({ eps: 0.1 }), A.pgd({ eps: 0.2 })]), 'VALUE', "'attacks[1]'"],
      [() => A.fgsmEp({ form: 'paper' as A.FastAtForm }), 'OPTION', "'form'"],
      [() => A.fgsmEp({ form: 'original' }), 'OPTION', "'eps'"],
      [() => A.fgsmMep({ momentum: -0.3 }), 'OPTION', "'momentum'"],
      [() => A.fgsmPco({ gamma: Infinity }), 'OPTION', "'gamma'"],
      [() => A.createAttack('deepfool', { eps: 0.1 }), 'OPTION', "'name'"],
    ];
    for (const [fn, code, arg] of bad) expectError(fn, code, arg);
  });

  it('inputs at run time', () => {
    const model = linearModel(P);
    const data = blobs(4, 1, P);
    const atk = A.pgd({ eps: 0.1, steps: 1 });
    const binary = linearModel(P, 1, 2);
    const bad: [() => unknown, vm.VarmatErrorCode, string][] = [
      [() => A.pgd({ eps: 0.1, modalities: ['c'] }).run(model, data), 'VALUE', "'modalities'"],
      [() => A.pgd({ eps: { a: 0.1 }, steps: 1 }).run(model, data), 'VALUE', "missing 'b'"],
      [() => A.pgd({ eps: { a: 0.1, b: 0.1, c: 0.1 }, steps: 1 }).run(model, data), 'VALUE', "'eps.c'"],
      [() => A.pgd({ space: 'input', eps: 0.1, ranges: { c: [0, 1] } }).run(model, data), 'VALUE', "'ranges.c'"],
      [() => atk.perturb(model, { a: data.inputs.a }, data.labels), 'VALUE', "'values.b'"],
      [() => atk.perturb(model, data.inputs, vm.tensor([0, 1, 2, 0])), 'DTYPE', "'labels'"],
      [() => atk.perturb(model, data.inputs, data.labels.slice([0], [3])), 'SHAPE', "'values.a'"],
      [() => atk.perturb(model, data.inputs, data.labels, { noise: { a: vm.zeros([4, 6], P), b: vm.zeros([4, 4], P) } }), 'SHAPE', "'noise.a'"],
      [() => atk.perturb(model, data.inputs, data.labels, { seed: 1 } as A.PerturbOptions), 'OPTION', "unknown option 'seed'"],
      [() => A.pgd({ eps: 0.1, steps: 1, loss: () => vm.zeros([2], P) }).run(model, data), 'SHAPE', "'loss'"],
      [() => A.apgd({ eps: 0.1, steps: 2, loss: 'dlr' }).run(binary, data), 'SHAPE', "'logits'"],
      [() => A.fgsmEp().step(model, data.inputs, data.labels, [1, 2, 3, 4], -1), 'VALUE', "'epoch'"],
      [() => A.fgsmEp().step(model, data.inputs, data.labels, [1, 1, 2, 3], 0), 'VALUE', "'indices'"],
      [() => A.fgsmEp().step(model, data.inputs, data.labels, [1, 2, 3], 0), 'SHAPE', "'indices'"],
      [() => A.fgsmEp().step(model, data.inputs, data.labels, [1, 2, 3, 4.5], 0), 'VALUE', "'indices[3]'"],
    ];
    vm.tidy(() => {
      for (const [fn, code, arg] of bad) expectError(() => vm.tidy(() => { fn(); }), code, arg);
    });
    model.dispose();
    binary.dispose();
    vm.dispose([data.inputs.a, data.inputs.b, data.labels]);
  });
});
