import { formatProgress, type ProgressState } from '../train/progress.js';

/**
 * Prints training progress to stderr: on a terminal, one line rewritten in place every 0.5 s; else a
 * new line about every 10 s and at the end of each epoch. Call `endEpoch` before printing an epoch's
 * summary (it ends the in-place line).
 *
 * @example
 * const printer = progressPrinter();
 * await trainClassifier({ ..., progressSeconds: printer.progressSeconds, onProgress: printer.onProgress });
 */
export function progressPrinter(tty = process.stderr.isTTY === true): { progressSeconds: number; onProgress: (p: ProgressState) => void; endEpoch: () => void } {
  let lastLine = 0;
  return {
    progressSeconds: tty ? 0.5 : 10,
    onProgress: (p) => {
      const line = formatProgress(p);
      if (tty) process.stderr.write(`\r${line}`);
      else if (performance.now() - lastLine > 9000 || p.done === p.total) {
        lastLine = performance.now();
        process.stderr.write(`${line}\n`);
      }
    },
    endEpoch: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}
