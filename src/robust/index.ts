// VARMAT robust training (VARMAT.md 3-4): the vulnerability probe, the regularizer, the VARMAT/Avg training step.
export { probe, type ProbeForm, type ProbeOptions } from './probe.js';
export { aggregateVulnerability, type Aggregation } from './aggregate.js';
export { robustStep, type AtMethod, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
