import { describe, expect, it } from 'vitest';
import { makeTrainingAttack, parseVarmatTrainArgs } from '../../src/cli/varmat-train-command.js';

describe('varmat train --at', () => {
  it('parses the AT flags with the faithful defaults and passes the rest to the clean parser', () => {
    const a = parseVarmatTrainArgs(['--at', 'varmat', '--preset', 'faithful', '--data', 'avmnist-synth', '--out', 'runs/x', '--epochs', '3']);
    expect(a.attack).toBe('fgsm-rs');
    expect(a.eps).toBe(0.01);
    expect(a.step).toEqual({ at: 'varmat', alpha: 1000, aggregate: 'sum', temperature: 1, probeForm: 'gradient', eps: 0.01, hiddenExtraGradient: false });
    expect([a.evalEps, a.evalSteps]).toEqual([0.2, 10]);
    expect(a.base.epochs).toBe(3);
    expect(a.base.batchSize).toBe(40);
    expect(a.base.optimizer).toEqual({ kind: 'adam', lr: 8e-4, weightDecay: 1e-3 });
    const b = parseVarmatTrainArgs(['--at', 'avg', '--attack', 'fgsm-mep', '--mep-mu', '0.5', '--alpha', '3', '--aggregate', 'softmax', '--temperature', '0.5',
      '--probe', 'dual', '--hidden-extra-gradient', '--data', 'avmnist-synth', '--out', 'o']);
    expect(b.step).toMatchObject({ at: 'avg', alpha: 3, aggregate: 'softmax', temperature: 0.5, probeForm: 'dual', hiddenExtraGradient: true });
    const atk = makeTrainingAttack(b, 0);
    expect(atk.name).toBe('fgsm-mep');
    expect((atk as unknown as { mu: number }).mu).toBe(0.5);
    atk.dispose();
  });

  it('rejects bad values with typed errors', () => {
    expect(() => parseVarmatTrainArgs(['--data', 'avmnist-synth', '--out', 'o'])).toThrowError(/--at/);
    expect(() => parseVarmatTrainArgs(['--at', 'both', '--data', 'd', '--out', 'o'])).toThrowError(/'varmat' or 'avg'/);
    expect(() => parseVarmatTrainArgs(['--at', 'avg', '--attack', 'pgd', '--data', 'd', '--out', 'o'])).toThrowError(/fgsm-rs/);
    expect(() => parseVarmatTrainArgs(['--at', 'avg', '--preset', 'fast', '--data', 'd', '--out', 'o'])).toThrowError(/faithful/);
    expect(() => parseVarmatTrainArgs(['--at', 'avg', '--bogus', '--data', 'd', '--out', 'o'])).toThrowError(/bogus/);
  });
});
