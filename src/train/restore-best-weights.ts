import { existsSync } from 'node:fs';
import { readCheckpoint } from '../checkpoint/checkpoint.js';
import type { HostArray } from '../nn/module.js';
import type { MultimodalModel } from '../nn/multimodal-model.js';

/**
 * Loads the best epoch's weights into `model` before the final test: from `bestPath` when it exists,
 * else from an in-memory copy. Returns the epoch whose weights the model now holds (`lastEpoch` when
 * there is no best, or nothing to load it from).
 *
 * @example
 * const epoch = await restoreBestWeights(model, { best: pos.best, bestPath, lastEpoch: epochs - 1 });
 */
export async function restoreBestWeights(
  model: MultimodalModel,
  options: { best: { epoch: number } | null; bestPath: string | null; inMemory?: Record<string, HostArray> | null; lastEpoch: number },
): Promise<number> {
  const { best, bestPath } = options;
  if (best && bestPath && existsSync(bestPath)) {
    model.loadStateDict((await readCheckpoint(bestPath)).weights);
    return best.epoch;
  }
  if (best && options.inMemory) {
    model.loadStateDict(options.inMemory);
    return best.epoch;
  }
  return options.lastEpoch;
}
