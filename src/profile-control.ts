import { engine } from './engine.js';
import { enableProfiling as enableFor } from './profile.js';

/**
 * Turns the per-kernel profile on for every registered backend and those registered later, with
 * counters from zero. Read it with `profileReport()`. (`VARMAT_PROFILE=1` does this at load.)
 *
 * @example
 * vm.enableProfiling();
 * trainOneStep();
 * console.log(vm.profileReport({ top: 15 }));
 */
export function enableProfiling(): void {
  enableFor(engine.backends.values());
}
