import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';

/**
 * Writes a training run's `log.json` into `outDir` (atomically, one-space-indented JSON and a final
 * newline); does nothing without an `outDir`.
 *
 * @example
 * await writeRunLog('runs/a', { run, epochs: history, best });
 */
export async function writeRunLog(outDir: string | null, body: unknown): Promise<void> {
  if (!outDir) return;
  await writeFileAtomic(join(outDir, 'log.json'), new TextEncoder().encode(`${JSON.stringify(body, null, 1)}\n`));
}
