// The fast adversarial-training attacks of VARMAT.md 5, in the authors' latent form and the cited papers' input form.
export { FastAtAttack, type FastAtForm, type FastAtOptions, type FastAtStep, type FastAtStepOptions, type FastAtMemory, type FastAtParts } from './fast-at-attack.js';
export { MemoryBank, hostIndices, type MemoryBankState } from './memory-bank.js';
export { FgsmRs, fgsmRs } from './fgsm-rs.js';
export { FgsmEp, fgsmEp } from './fgsm-ep.js';
export { FgsmMep, fgsmMep, type FgsmMepOptions } from './fgsm-mep.js';
export { FgsmPco, fgsmPco, type FgsmPcoOptions } from './fgsm-pco.js';
