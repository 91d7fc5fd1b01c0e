/** What a progress update reports. */
export interface ProgressState {
  epoch: number;
  epochs: number;
  done: number;
  total: number;
  samplesPerSec: number;
  /** Seconds left in this epoch at the current rate. */
  etaSeconds: number;
  /** Seconds left in the whole run at the current rate (training samples only, no evaluation). */
  runEtaSeconds?: number;
  loss: number;
  accuracy: number;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/**
 * One line of progress: a bar, samples done, throughput, ETA, running loss and accuracy.
 *
 * @example
 * formatProgress({ epoch: 1, epochs: 10, done: 400, total: 2000, samplesPerSec: 312, etaSeconds: 5, runEtaSeconds: 51, loss: 0.9, accuracy: 0.7 });
 * // 'epoch 2/10 [####................]  400/2000  312 samples/s  ETA 0:05 (run 0:51)  loss 0.9000  acc 70.0%'
 */
export function formatProgress(p: ProgressState, width = 20): string {
  const filled = p.total > 0 ? Math.min(width, Math.round((width * p.done) / p.total)) : 0;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pad = String(p.total).length;
  const run = p.runEtaSeconds !== undefined && p.epoch + 1 < p.epochs ? ` (run ${formatDuration(p.runEtaSeconds)})` : '';
  return `epoch ${p.epoch + 1}/${p.epochs} ${bar} ${String(p.done).padStart(pad)}/${p.total}  ${p.samplesPerSec.toFixed(0)} samples/s  ETA ${formatDuration(p.etaSeconds)}${run}  loss ${p.loss.toFixed(4)}  acc ${(100 * p.accuracy).toFixed(1)}%`;
}

/**
 * The progress of a training epoch from its counts: throughput is `doneThisSession` samples over
 * `elapsedMs`; the ETAs are the samples left (in the epoch; in the run) at that rate.
 *
 * @example
 * progressState({ epoch: 1, epochs: 10, seen: 400, total: 2000, doneThisSession: 400, elapsedMs: 1280, loss: 0.9, accuracy: 0.7 });
 */
export function progressState(p: { epoch: number; epochs: number; seen: number; total: number; doneThisSession: number; elapsedMs: number; loss: number; accuracy: number }): ProgressState {
  const { epoch, epochs, seen, total } = p;
  const rate = p.doneThisSession / Math.max(1e-9, p.elapsedMs / 1000);
  return {
    epoch, epochs, done: seen, total, samplesPerSec: rate, etaSeconds: (total - seen) / Math.max(rate, 1e-9),
    runEtaSeconds: (total - seen + (epochs - epoch - 1) * total) / Math.max(rate, 1e-9),
    loss: p.loss, accuracy: p.accuracy,
  };
}
