import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** A one-line description of this machine: CPU model (lscpu), cores, Node and V8 versions, load. */
export function describeMachine(): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU';
  let extra = '';
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    const field = (name: string): string | undefined =>
      lscpu.split('\n').find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
    model = field('Model name') ?? model;
    const flags = field('Flags') ?? '';
    const features = ['avx2', 'fma', 'avx512f'].filter((f) => flags.split(' ').includes(f));
    extra = `, family ${field('CPU family') ?? '?'} model ${field('Model') ?? '?'}, ${features.join('/')}, L2 ${field('L2 cache') ?? '?'}`;
  } catch {
    // lscpu is not everywhere; os.cpus() suffices.
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${model} (lscpu${extra}), ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; `
    + `Node ${process.version}, V8 ${process.versions.v8}; load average at start ${load} (the machine is shared)`;
}

/** A fixed busy loop; returns its milliseconds. Plain source, so that a worker can run it too. */
function busyLoop(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 6e8; i++) x = (x + i) | 0;
  return x === 0.5 ? -1 : performance.now() - t0;
}

/**
 * How much of a second core the benchmarks can get right now: a fixed busy loop timed alone, then
 * on this thread and a worker thread at once. Returns the slower of the two parallel runs' speeds
 * relative to the solo run: about 1 when two cores are free, about 0.5 when both threads share one
 * (a shared machine's other tenants decide which). Multi-threaded timings mean little without it.
 */
export async function parallelCapacity(): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  busyLoop();   // warm-up (optimizing compiler)
  const solo = busyLoop();
  // Both loops start together (each warmed up first): the worker spins on a flag this thread raises.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const busyLoop = ${busyLoop.toString()};
    busyLoop();
    parentPort.postMessage('ready');
    while (Atomics.load(workerData, 0) === 0) {}
    parentPort.postMessage(busyLoop());`, { eval: true, workerData: flag });
  const next = (): Promise<unknown> => new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await next();
  const result = next();
  Atomics.store(flag, 0, 1);
  const mine = busyLoop();
  const theirs = (await result) as number;
  await worker.terminate();
  return solo / Math.max(mine, theirs);
}
