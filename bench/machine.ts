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
