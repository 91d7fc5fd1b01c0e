/**
 * Yields to the event loop (so that Ctrl-C and timers are seen between training steps).
 *
 * @example
 * await nextTick();
 */
export const nextTick = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
