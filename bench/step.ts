// The VARMAT step benchmark (issue 8): `npm run bench -- step [options]`.
//
// The paper's workload on the AV-MNIST Perceiver (510,402 parameters, VARMAT.md 6), batch 40:
//   varmat  one VARMAT FGSM-RS training step: encoder forward, the probe (double backprop), the
//           one-step latent attack, CE(F(z + delta)) + 1000 R, backward, Adam (robustStep)
//   avg     the same step without R; the probe is not computed (logVulnerability: false), as in the
//           authors' Avg loop
//   clean   CE(F(E(x))), backward, Adam
//   pgd10   one PGD-10 evaluation batch: z = E(x) without grad, clean logits, joint latent L2 PGD
//           (eps 0.2 relative, 10 steps of r/10, random start), the logits at the end
// on each backend that runs here (wasm; reference once, as a note: it is the float64-capable oracle,
// not a fast path; webgpu is not timed: robustStep reads scalars back synchronously), and the same
// four workloads in PyTorch (bench/peers/torch_step.py, our own port of VARMAT.md 6.1-6.2) when
// `import torch` works, timed interleaved with varmat in the same sitting: A B A B ..., medians.
// Both sides start from the same weights (varmat's seeded initialisation, written to a temporary
// safetensors file together with the prepared inputs, tokens and labels). Both sides build the
// encoder's tokens inside each call and run the two modalities through the encoder as one batch.
//
// FLOPs: the matmul and conv FLOPs of one call of each workload, counted by varmat's profiler
// (src/profile.ts) on a separate, untimed call. Memory: the wasm linear memory after the runs (it
// never shrinks, so it is the high-water mark of varmat's tensors and scratch) and the peer's
// peak resident set (the whole Python process: interpreter, torch and its buffers). With more than
// one thread, a probe before and after the samples says how much of a second core was free
// (bench/machine.ts parallelCapacity): on a shared machine the 2-thread figures depend on it.
//
//   npx tsx bench/step.ts [--out FILE.md] [--batch 40] [--samples 7] [--calls 3] [--only varmat,avg]
//                         [--no-peer] [--no-reference] [--python /usr/bin/python3] [--torch-threads 1]
//                         [--threads 1,2]   (wasm threads per varmat contender; 1 = the single-threaded path)

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import * as vm from '../src/index.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { encodeSafetensors } from '../src/checkpoint/safetensors.js';
import { PerceiverFusion, presets } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { fgsmRs, pgd } from '../src/attacks/index.js';
import { robustStep } from '../src/robust/robust-step.js';
import { instrumentBackend, profileEntries, profiling, resetProfile } from '../src/profile.js';
import { describeMachine, parallelCapacity } from './machine.js';
import { print, random, saveReport } from './report.js';
import { median } from './timing.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const outFile = args.includes('--out') ? flag('--out', '') : null;
const batch = Number(flag('--batch', '40'));
const samples = Number(flag('--samples', '7'));
const callsPerSample = Number(flag('--calls', '3'));
const threadCounts = flag('--threads', '1').split(',').map(Number);
const WORKLOADS = ['varmat', 'avg', 'clean', 'pgd10'] as const;
type WorkloadName = (typeof WORKLOADS)[number];
const only = flag('--only', WORKLOADS.join(',')).split(',') as WorkloadName[];
const torchThreads = Number(flag('--torch-threads', '1'));

const DESCRIPTION: Record<WorkloadName, string> = {
  varmat: 'VARMAT FGSM-RS step (alpha 1000)',
  avg: 'Avg FGSM-RS step',
  clean: 'clean step',
  pgd10: 'PGD-10 eval batch',
};

// ---- varmat side ---------------------------------------------------------------------------------

interface VarmatSide {
  run: Record<WorkloadName, () => void>;
  model: PerceiverFusion;
  tokens: Record<string, vm.Tensor>;
  labels: vm.Tensor;
  dispose(): void;
}

function varmatSide(backend: vm.BackendName): VarmatSide {
  vm.setBackend(backend);
  const model = new PerceiverFusion(presets.avmnist, { rng: 0, backend });
  const raw = {
    colorlessimage: { data: random(batch * 784, 1).map((v) => (v + 1) / 2), shape: [batch, 28, 28] },
    audiospec: { data: random(batch * 112 * 112, 2).map((v) => (v + 1) / 2), shape: [batch, 112, 112] },
  };
  const tokens = model.prepareInputs(raw);
  for (const t of Object.values(tokens)) vm.keep(t);
  const labels = vm.tensor(Array.from({ length: batch }, (_, i) => (i * 7) % 10), [batch], { dtype: 'int32', backend });
  const indices = Array.from({ length: batch }, (_, i) => i);
  const opt = new Adam(model.namedParameters(), { lr: 8e-4, weightDecay: 1e-3 });
  const attack = fgsmRs({ seed: 0 });
  const evalAttack = pgd({ space: 'latent', norm: 'l2', eps: 0.2, relative: true, split: 'equal', steps: 10, seed: 0 });
  const update = (): void => {
    opt.step();
    opt.zeroGrad();
  };
  const run: Record<WorkloadName, () => void> = {
    varmat: () => {
      robustStep(model, attack, tokens, labels, indices, 0, { at: 'varmat', alpha: 1000 });
      update();
    },
    avg: () => {
      robustStep(model, attack, tokens, labels, indices, 0, { at: 'avg', logVulnerability: false });
      update();
    },
    clean: () => {
      vm.tidy(() => vm.crossEntropy(model.fuse(model.encode(tokens)), labels).backward());
      update();
    },
    pgd10: () => {
      vm.tidy(() => {
        const z = vm.noGrad(() => model.encode(tokens));
        const clean = vm.noGrad(() => model.fuse(z)).argmax(-1);
        const adv = evalAttack.perturb(model, z, labels);
        const both = clean.eq(labels).mul(adv.logits.argmax(-1).eq(labels));
        both.dataSync();
      });
    },
  };
  return {
    run, model, tokens, labels,
    dispose: () => {
      opt.dispose();
      model.dispose();
      vm.dispose([labels, ...Object.values(tokens)]);
    },
  };
}

/** Matmul + conv FLOPs of one call, counted by the profiler on an untimed call. */
function countFlops(fn: () => void): number {
  const total = (): number => profileEntries().reduce((s, e) => s + e.flops, 0);
  const before = total();
  fn();
  return total() - before;
}

// ---- PyTorch peer --------------------------------------------------------------------------------

interface Peer {
  info: { torch: string; threads: number; blas: string[]; config: string };
  sample(workload: WorkloadName, calls: number): Promise<{ ms: number; maxrss_kib: number }>;
  close(): void;
}

function findPython(): string | null {
  const candidates = [flag('--python', ''), process.env.VARMAT_PYTHON ?? '', 'python3', '/usr/bin/python3'].filter((p) => p !== '');
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

async function startPeer(python: string, dataFile: string): Promise<Peer> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'torch_step.py');
  const child: ChildProcessWithoutNullStreams = spawn(python, [script, '--data', dataFile, '--threads', String(torchThreads)], {
    env: { ...process.env, OMP_NUM_THREADS: String(torchThreads), OPENBLAS_NUM_THREADS: String(torchThreads) },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (cmd: string): Promise<string> => {
    child.stdin.write(`${cmd}\n`);
    const r = await lines.next();
    if (r.done) throw new Error(`PyTorch peer exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return r.value;
  };
  const info = JSON.parse(await ask('info')) as Peer['info'];
  return {
    info,
    sample: async (w, calls) => JSON.parse(await ask(`${w} ${calls}`)) as { ms: number; maxrss_kib: number },
    close: () => {
      child.stdin.write('quit\n');
      child.stdin.end();
    },
  };
}

async function peerData(side: VarmatSide): Promise<string> {
  const tensors: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {};
  for (const [name, p] of side.model.namedParameters()) tensors[`param.${name}`] = { shape: [...p.shape], data: (await p.value.data()) as Float32Array };
  for (const [m, t] of Object.entries(side.tokens)) {
    tensors[`inputs.${m}`] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
    const tok = side.model.inputTokens(m, t);
    tensors[`tokens.${m}`] = { shape: [...tok.shape], data: (await tok.data()) as Float32Array };
    tok.dispose();
  }
  tensors.labels = { shape: [batch], data: (await side.labels.data()) as Int32Array };
  const dir = mkdtempSync(join(os.tmpdir(), 'varmat-step-'));
  const file = join(dir, 'peer.safetensors');
  writeFileSync(file, encodeSafetensors(tensors));
  return file;
}

// ---- run -----------------------------------------------------------------------------------------

// One varmat contender per thread count (`--threads 1,2` times both, interleaved). Each has its own
// backend; the engine's 'wasm' name points at the contender that runs (ops that make new tensors,
// such as the token builder, place them on the registered backend).
interface Contender { label: string; backend: WasmBackend; side: VarmatSide }
const contenders: Contender[] = [];
for (const t of threadCounts) {
  const backend = await createWasmBackend({ threads: t });
  vm.registerBackend(backend);
  contenders.push({ label: backend.threads > 1 ? `varmat wasm ${backend.threads} threads` : 'varmat wasm', backend, side: varmatSide('wasm') });
}
const use = (c: Contender): void => {
  vm.registerBackend(c.backend);
  vm.setBackend('wasm');
};
const profileWasOn = profiling.on;

print(`# VARMAT training step, AV-MNIST Perceiver (${new Date().toISOString().slice(0, 10)})`);
print();
print(`Machine: ${describeMachine()}`);
for (const c of contenders) print(`${c.label}: ${c.backend.describe().replace(/; heap .*\)$/, ')')}`);

for (const c of contenders) {
  use(c);
  for (const w of only) c.side.run[w]();   // warm-up (optimizing tier, allocator size classes)
}

const python = args.includes('--no-peer') ? null : findPython();
let peer: Peer | null = null;
let peerNote = args.includes('--no-peer') ? 'not run (--no-peer)' : 'not run: no python3 here imports torch (apt-get install python3-torch libopenblas0-pthread)';
let dataFile: string | null = null;
if (python) {
  use(contenders[0]!);
  dataFile = await peerData(contenders[0]!.side);
  try {
    peer = await startPeer(python, dataFile);
    peerNote = `PyTorch ${peer.info.torch} (${python}), ${peer.info.threads} thread(s), BLAS_INFO=${peer.info.config}, BLAS library mapped: ${peer.info.blas.join(', ') || 'none found'}`;
  } catch (e) {
    peerNote = `failed to start: ${(e as Error).message}`;
  }
}
print(`PyTorch peer: ${peerNote}`);
print();

// Interleaved samples: for each sample and workload, each varmat contender, then the peer.
const times: Record<string, number[]> = {};
let peerRss = 0;
const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const capacityBefore = threadCounts.some((t) => t > 1) ? await parallelCapacity() : null;
if (peer) for (const w of only) await peer.sample(w, 1);      // peer warm-up
for (let s = 0; s < samples; s++) {
  for (const w of only) {
    for (const c of contenders) {
      use(c);
      const t0 = performance.now();
      for (let i = 0; i < callsPerSample; i++) c.side.run[w]();
      (times[`${c.label}|${w}`] ??= []).push((performance.now() - t0) / callsPerSample);
    }
    if (peer) {
      const r = await peer.sample(w, callsPerSample);
      (times[`PyTorch|${w}`] ??= []).push(r.ms);
      peerRss = Math.max(peerRss, r.maxrss_kib);
    }
  }
}
const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const capacityAfter = capacityBefore === null ? null : await parallelCapacity();
// FLOPs after the timing: the profiler's wrappers go on now (untimed), unless VARMAT_PROFILE put them on already.
const first = contenders[0]!;
use(first);
instrumentBackend(first.backend);
const flops: Partial<Record<WorkloadName, number>> = {};
for (const w of only) flops[w] = countFlops(first.side.run[w]);

print(`## Batch ${batch}, ${samples} interleaved samples of ${callsPerSample} calls each, medians in ms`);
print();
print(`Load average (1, 5, 15 min) before the samples: ${loadBefore}; after: ${loadAfter}.`);
if (capacityBefore !== null && capacityAfter !== null) {
  print(`Second core: a busy loop run on two threads at once went at ${capacityBefore.toFixed(2)} (before the samples) and ${capacityAfter.toFixed(2)} (after) of its one-thread speed `
    + '(1: two free cores; lower: other tenants share them, and the 2-thread figures suffer).');
}
print();
const cols = [...contenders.map((c) => c.label), ...(peer ? ['PyTorch'] : [])];
const ratioCols = peer ? contenders.map((c) => `${c.label} / PyTorch`) : [];
const speedCols = contenders.length > 1 ? contenders.slice(1).map((c) => `${c.label}: speed-up`) : [];
print(`| workload | GFLOP / call | ${cols.map((c) => `${c} ms`).join(' | ')} | ${[...ratioCols, ...speedCols].join(' | ')}${ratioCols.length + speedCols.length ? ' |' : ''} ${first.label} GFLOP/s | ${first.label} samples/s |`);
print(`|---|---|${cols.map(() => '---|').join('')}${[...ratioCols, ...speedCols].map(() => '---|').join('')}---|---|`);
for (const w of only) {
  const med = (label: string): number => median(times[`${label}|${w}`]!);
  const v0 = med(first.label);
  const cells = cols.map((c) => med(c).toFixed(1));
  const ratios = peer ? contenders.map((c) => (med(c.label) / med('PyTorch')).toFixed(2)) : [];
  const speeds = contenders.slice(1).map((c) => `${(v0 / med(c.label)).toFixed(2)}x`);
  const gf = (flops[w] ?? 0) / v0 / 1e6;
  print(`| ${DESCRIPTION[w]} | ${((flops[w] ?? 0) / 1e9).toFixed(2)} | ${cells.join(' | ')} | ${[...ratios, ...speeds].join(' | ')}${ratios.length + speeds.length ? ' |' : ''} ${gf.toFixed(1)} | ${((1000 * batch) / v0).toFixed(1)} |`);
}
print();
const heapMiB = (first.backend.describe().match(/heap ([\d.]+) MiB/) ?? [])[1] ?? '?';
print(`Memory: varmat wasm linear memory ${heapMiB} MiB (${first.label}; high-water mark of tensors and scratch; the JS heap is not counted)`
  + `${peer ? `; PyTorch process peak RSS ${(peerRss / 1024).toFixed(0)} MiB (interpreter, torch and buffers)` : ''}.`);
print('GFLOP: matmul (and conv) FLOPs of one call, counted by the profiler. Ratio < 1: varmat is faster.');
print('Spread (min-max of the samples, ms): ' + Object.entries(times).map(([k, t]) => `${k.replace('|', ' ')} ${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)}`).join('; '));
print();
peer?.close();
for (const c of contenders) {
  use(c);
  c.side.dispose();
  c.backend.destroy();
}
if (dataFile) rmSync(dirname(dataFile), { recursive: true, force: true });

// The reference backend, once, as a note (it is the oracle, plain loops, often float64).
if (!args.includes('--no-reference') && only.includes('clean')) {
  const ref = varmatSide('reference');
  const t0 = performance.now();
  ref.run.clean();
  const ms = performance.now() - t0;
  ref.dispose();
  print(`Reference backend (plain TypeScript, the test oracle), one clean step, not warmed: ${ms.toFixed(0)} ms.`);
}
print('WebGPU: not timed here; robustStep reads scalars back synchronously (dataSync), which WebGPU cannot. `npm run bench -- train` times a clean WebGPU step.');
if (!profileWasOn) resetProfile();   // the FLOP counting calls are not the bench's profile
if (outFile) saveReport(outFile);
