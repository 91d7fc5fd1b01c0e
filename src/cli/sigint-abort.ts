/**
 * Turns the next Ctrl-C into an abort: writes `message` to stderr and aborts the returned signal (a
 * second Ctrl-C quits as usual). Call `dispose` when the run ends to remove the handler.
 *
 * @example
 * const stop = abortOnSigint('\ninterrupt: finishing this step and saving\n');
 * try { await trainClassifier({ ..., signal: stop.signal }); } finally { stop.dispose(); }
 */
export function abortOnSigint(message: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write(message);
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => { process.removeListener('SIGINT', onSigint); } };
}
