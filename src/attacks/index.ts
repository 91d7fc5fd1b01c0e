/**
 * Attacks on multimodal models: threat models in input or latent space with per-modality budgets,
 * FGSM, PGD, MIM, APGD (CE and DLR), black-box baselines, worst-case ensembles, and the fast
 * adversarial-training attacks FGSM-RS/EP/MEP/PCO in the VARMAT authors' and the original papers'
 * forms.
 *
 * @example
 * import * as vm from 'varmat';
 * const atk = vm.attacks.pgd({ space: 'latent', norm: 'l2', eps: 0.2, relative: true, steps: 10, seed: 0 });
 * const adv = atk.run(model, { inputs, labels });
 */
export { ThreatModel, THREAT_MODEL_KEYS, type AttackSpace, type AttackNorm, type ValueRange, type ThreatModelOptions, type ThreatModelJson } from './threat-model.js';
export type { AttackModel } from './attack-model.js';
export { ceLoss, dlrLoss, type LossFn, type LossName } from './losses.js';
export { AttackContext, NORM_EPS, type Modal, type LossGrad } from './attack-context.js';
export { Attack, withGrad, type AttackOptions, type AttackBatch, type AttackResult, type AttackJson, type PerturbOptions } from './attack.js';
export { scheduleFactor, type StepSchedule } from './step-schedule.js';
export { Fgsm, fgsm, type FgsmOptions } from './fgsm.js';
export { Pgd, pgd, type PgdOptions } from './pgd.js';
export { Mim, mim, type MimOptions } from './mim.js';
export { Apgd, apgd, type ApgdOptions } from './apgd.js';
export { RandomNoise, randomNoise, type RandomNoiseOptions } from './random-noise.js';
export { RandomSearch, randomSearch, type RandomSearchOptions } from './random-search.js';
export { WorstCase, worstCase, type WorstCaseOptions } from './worst-case.js';
export * from './fast-at/index.js';
export { createAttack, ATTACK_NAMES, type AttackName, type AnyAttackOptions } from './registry.js';
