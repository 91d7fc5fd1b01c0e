import { existsSync } from 'node:fs';
import { VarmatError } from '../errors.js';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';
import type { Optimizer } from '../optim/optimizer.js';

/** The part of a saved training position that `resumePosition` checks. */
export interface ResumablePosition<R extends Record<string, unknown>> {
  epoch: number;
  run: R;
}

/**
 * Loads `lastPath` (weights and optimizer state) into `model` and `optimizer` and returns the
 * training position saved in its sidecar. Throws `IO` when there is nothing to resume, `CORRUPT` when
 * the sidecar has no position, and `VALUE` when a setting in `run` differs from the saved run's
 * (`hint` is appended to that message).
 *
 * @example
 * pos = await resumePosition<Position>('trainClassifier', { lastPath, outDir, model, optimizer, run });
 */
export async function resumePosition<P extends ResumablePosition<R>, R extends Record<string, unknown> = P['run']>(
  op: string,
  options: { lastPath: string | null; outDir: string | null; model: MultimodalModel; optimizer: Optimizer; run: R; hint?: string },
): Promise<P> {
  const { lastPath, outDir, model, optimizer, run } = options;
  if (!lastPath || !existsSync(lastPath)) {
    throw new VarmatError('IO', op, `nothing to resume: ${lastPath ? `'${lastPath}' does not exist` : 'no outDir given'}`);
  }
  const ckpt = await loadCheckpoint(lastPath, model, optimizer);
  const saved = ckpt.position as unknown as P;
  if (!saved || typeof saved.epoch !== 'number' || !saved.run) throw new VarmatError('CORRUPT', op, `'${lastPath}' has no training position in its sidecar`);
  for (const k of Object.keys(run) as (keyof R & string)[]) {
    if (saved.run[k] !== run[k]) {
      throw new VarmatError('VALUE', op, `cannot resume: the run in '${outDir}' used ${k} = ${String(saved.run[k])}, this one ${String(run[k])}${options.hint ?? ''}`);
    }
  }
  return saved;
}
