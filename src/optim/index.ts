// Optimizers, learning-rate schedules and gradient clipping.
export { Optimizer, type OptimizerState, type ParamsInput } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { constantLr, stepLr, cosineLr, type LrSchedule } from './lr-schedule.js';
export { clipGradNorm } from './clip-grad-norm.js';
