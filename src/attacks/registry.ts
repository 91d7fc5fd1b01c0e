import { fail } from '../errors.js';
import type { Attack, AttackOptions } from './attack.js';
import { apgd, type ApgdOptions } from './apgd.js';
import { fgsm, type FgsmOptions } from './fgsm.js';
import { mim, type MimOptions } from './mim.js';
import { pgd, type PgdOptions } from './pgd.js';
import { randomNoise, type RandomNoiseOptions } from './random-noise.js';
import { randomSearch, type RandomSearchOptions } from './random-search.js';
import { worstCase } from './worst-case.js';
import { fgsmEp, fgsmMep, fgsmPco, fgsmRs } from './fast-at/index.js';

/** The attacks `createAttack` (and `varmat attack --attack`) knows by name. */
export const ATTACK_NAMES = [
  'fgsm', 'fgsm-rs', 'pgd', 'mim', 'apgd-ce', 'apgd-dlr', 'apgd', 'random-noise', 'random-search',
  'fgsm-ep', 'fgsm-mep', 'fgsm-pco',
] as const;

/** An attack name. */
export type AttackName = (typeof ATTACK_NAMES)[number];

/** The options `createAttack` passes on: the threat model and any attack's own options. */
export type AnyAttackOptions = AttackOptions & Omit<FgsmOptions & PgdOptions & MimOptions & ApgdOptions & RandomNoiseOptions & RandomSearchOptions, keyof AttackOptions>;

const OWN: Record<AttackName, readonly string[]> = {
  fgsm: ['stepSize', 'randomStart'],
  'fgsm-rs': ['stepSize'],
  pgd: ['steps', 'stepSize', 'randomStart', 'restarts', 'schedule', 'keep'],
  mim: ['steps', 'stepSize', 'decay', 'randomStart'],
  'apgd-ce': ['steps', 'restarts', 'rho', 'momentum', 'initialStepSize'],
  'apgd-dlr': ['steps', 'restarts', 'rho', 'momentum', 'initialStepSize'],
  apgd: ['steps', 'restarts', 'rho', 'momentum', 'initialStepSize'],
  'random-noise': ['trials'],
  'random-search': ['queries', 'stepSize'],
  'fgsm-ep': ['stepSize'],
  'fgsm-mep': ['stepSize'],
  'fgsm-pco': ['stepSize'],
};

/**
 * An attack by name, with the options that apply to it (others are dropped, so one option set
 * can configure several attacks). 'fgsm-rs' is FGSM with a random start and step 1 (VARMAT's
 * latent FGSM-RS); 'apgd' is the worst case of APGD-CE and APGD-DLR; 'fgsm-ep', 'fgsm-mep' and
 * 'fgsm-pco' run their first-epoch step (they need per-sample memories to be themselves).
 *
 * @example
 * const atk = createAttack('pgd', { space: 'latent', eps: 0.2, steps: 10, seed: 0 });
 */
export function createAttack(name: string, options: AnyAttackOptions): Attack {
  if (!(ATTACK_NAMES as readonly string[]).includes(name)) fail('OPTION', 'createAttack', 'name', `one of ${ATTACK_NAMES.join(', ')}`, name);
  const n = name as AttackName;
  const keep = new Set(['space', 'norm', 'eps', 'relative', 'split', 'modalities', 'ranges', 'loss', 'reduction', 'seed', 'rng', ...OWN[n]]);
  const o = Object.fromEntries(Object.entries(options).filter(([k, v]) => keep.has(k) && v !== undefined)) as AnyAttackOptions;
  switch (n) {
    case 'fgsm': return fgsm(o);
    case 'fgsm-rs': return fgsm({ ...o, randomStart: true });
    case 'pgd': return pgd(o);
    case 'mim': return mim(o);
    case 'apgd-ce': return apgd({ ...o, loss: 'ce' });
    case 'apgd-dlr': return apgd({ ...o, loss: 'dlr' });
    case 'apgd': return worstCase([apgd({ ...o, loss: 'ce' }), apgd({ ...o, loss: 'dlr' })], { name: 'apgd', ...(o.seed !== undefined ? { seed: o.seed } : {}) });
    case 'random-noise': return randomNoise(o);
    case 'random-search': return randomSearch(o);
    case 'fgsm-ep': return fgsmEp(o);
    case 'fgsm-mep': return fgsmMep(o);
    case 'fgsm-pco': return fgsmPco(o);
  }
}
