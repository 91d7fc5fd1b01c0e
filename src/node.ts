/**
 * The Node-only part of varmat (`import * as vmn from 'varmat/node'`): files and long runs.
 * Checkpoints on disk (safetensors + JSON sidecar, written atomically), the clean training loop and
 * the VARMAT / Avg robust trainer.
 * Everything platform-neutral is in the main entry (`varmat`).
 *
 * @example
 * import * as vm from 'varmat';
 * import * as vmn from 'varmat/node';
 * await vmn.checkpoint.saveCheckpoint('runs/a/last.safetensors', { model, optimizer, position: { epoch: 3 } });
 */
export * as checkpoint from './checkpoint/index.js';
export * as train from './train/index.js';
export * as robust from './robust/index.js';
