// The demo page: loads the shipped AV-MNIST CNN and samples, predicts, attacks live, trains a few
// VARMAT / Avg steps, and switches backends. What it shows is also kept in `window.__varmat` (and
// `data-status` on <body>) so that tests can read the numbers.
//
// URL parameters: ?backend=webgpu|wasm  ?weights=URL (another weights file)  ?sample=N
import * as vm from '../../src/index.js';
import { attack, predict, type AttackSettings, type Verdict } from './analysis.js';
import { buildModel, DemoLoadError, hostWeights, readSamples, readWeights, sliceSamples, type DemoSamples, type HostWeights } from './demo-model.js';
import { barChart, drawArray, lineChart } from './draw.js';
import { LiveTrainer, type StepRecord } from './live-training.js';
import { detectSupport, type Support } from './support.js';

/** What the page shows, for tests and curious users (`window.__varmat`). */
export interface DemoSnapshot {
  status: 'loading' | 'ready' | 'busy' | 'error' | 'unsupported';
  message: string;
  backend: string;
  backendDescription: string;
  support: Support | null;
  weights: string;
  sample: { index: number; label: number } | null;
  clean: Verdict | null;
  attack: (Omit<Verdict, 'logits'> & { logits: number[]; settings: AttackSettings; deltaNorm: Record<string, number> }) | null;
  training: StepRecord[];
  timings: { loadMs: number; predictMs: number; attackMs: number; stepMs: number[] };
  /** Live tensors on all backends when the page last became ready (the model's parameters, and the trainer's). */
  liveTensors: number;
}

declare global {
  interface Window {
    __varmat: DemoSnapshot;
  }
}

const COLORS: Record<string, string> = { colorlessimage: '#2f6fb3', audiospec: '#c0562b' };
const NAMES: Record<string, string> = { colorlessimage: 'image', audiospec: 'audio' };
/** Largest budget of the slider, per space and norm (latent: relative to each latent's norm). */
const MAX_EPS: Record<string, number> = { 'latent:l2': 1, 'latent:linf': 1, 'input:l2': 5, 'input:linf': 0.3 };
const DEFAULT_WEIGHTS = 'assets/avmnist-cnn.safetensors';
const SAMPLES = 'assets/avmnist-samples.safetensors';

const snap: DemoSnapshot = {
  status: 'loading', message: '', backend: '', backendDescription: '', support: null, weights: '', sample: null,
  clean: null, attack: null, training: [], timings: { loadMs: 0, predictMs: 0, attackMs: 0, stepMs: [] }, liveTensors: 0,
};
window.__varmat = snap;

const $ = <T extends Element = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as unknown as T;
};

let weights: HostWeights;
let samples: DemoSamples;
let model: vm.nn.CnnLateFusion | null = null;
let trainer: LiveTrainer | null = null;
/** The grey range of the current spectrogram (its own min and max), shared by its attacked version. */
let specRange: [number, number] = [0, 1];

function setStatus(status: DemoSnapshot['status'], message = ''): void {
  snap.status = status;
  snap.message = message;
  snap.liveTensors = vm.memory().tensors;
  document.body.dataset.status = status;
  const box = $('message');
  box.textContent = message;
  box.hidden = message === '';
  box.className = status === 'error' || status === 'unsupported' ? 'error' : 'note';
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement | HTMLSelectElement | HTMLInputElement>('button, select, input'))) b.disabled = status === 'busy';
}

/** Shows a failure in the page instead of leaving it blank or stale. */
function showError(e: unknown, context: string): void {
  console.error(e);
  const text = e instanceof DemoLoadError || e instanceof vm.VarmatError ? e.message : `${(e as Error)?.message ?? e}`;
  setStatus('error', `${context}: ${text}`);
}

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DemoLoadError(`cannot fetch ${what} from ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new DemoLoadError(`cannot fetch ${what} from ${url}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

function attackSettings(): AttackSettings {
  const space = ($<HTMLSelectElement>('space').value as AttackSettings['space']);
  const norm = ($<HTMLSelectElement>('norm').value as AttackSettings['norm']);
  const fraction = Number($<HTMLInputElement>('eps').value);
  const eps = Number((fraction * MAX_EPS[`${space}:${norm}`]).toPrecision(6));
  const target = $<HTMLSelectElement>('target').value;
  return { space, norm, eps, modalities: target === 'joint' ? ['audiospec', 'colorlessimage'] : [target], steps: 10, seed: 0 };
}

function showEps(): void {
  const s = attackSettings();
  $('eps-value').textContent = s.space === 'latent'
    ? `${s.eps} (relative: each attacked latent moves by up to eps/2 of its norm)`
    : `${s.eps} per attacked modality (${s.norm === 'l2' ? 'L2' : 'L-inf'}; values stay in [0, 1])`;
}

function currentInputs(): Record<string, vm.Tensor> {
  const i = snap.sample!.index;
  return model!.prepareInputs(sliceSamples(samples.test, i, i + 1));
}

function showVerdict(prefix: string, v: Verdict, label: number): void {
  const p = $(`${prefix}-prediction`);
  const ok = v.prediction === label;
  p.textContent = `predicted ${v.prediction} (${(100 * v.probs[v.prediction]).toFixed(1)}%), label ${label}: ${ok ? 'correct' : 'wrong'}`;
  p.className = ok ? 'ok' : 'bad';
  p.dataset.prediction = String(v.prediction);
  p.dataset.logits = JSON.stringify(v.logits);
}

function showVulnerability(): void {
  const bars = [];
  for (const m of ['colorlessimage', 'audiospec']) {
    if (snap.clean) bars.push({ label: `${NAMES[m]} clean`, value: snap.clean.vulnerability[m], color: COLORS[m] });
    if (snap.attack) bars.push({ label: `${NAMES[m]} attacked`, value: snap.attack.vulnerability[m], color: `${COLORS[m]}99` });
  }
  barChart($<SVGSVGElement>('vulnerability'), bars);
}

/** Draws the current sample and its clean prediction. */
async function runPrediction(): Promise<void> {
  const index = snap.sample!.index;
  const label = samples.test.labels[index];
  const raw = sliceSamples(samples.test, index, index + 1);
  drawArray($<HTMLCanvasElement>('image'), raw.colorlessimage.data, 28, 28);
  specRange = [Math.min(...raw.audiospec.data), Math.max(...raw.audiospec.data)];
  drawArray($<HTMLCanvasElement>('spec'), raw.audiospec.data, 28, 28, { lo: specRange[0], hi: specRange[1] });
  const started = performance.now();
  const inputs = currentInputs();
  try {
    snap.clean = await predict(model!, inputs, label);
  } finally {
    vm.dispose(inputs);
  }
  snap.timings.predictMs = performance.now() - started;
  snap.attack = null;
  $('attack-result').hidden = true;
  showVerdict('clean', snap.clean, label);
  barChart($<SVGSVGElement>('probs'), snap.clean.probs.map((p, k) => ({ label: `${k}`, value: p, color: k === label ? '#2a8a4a' : '#888' })), 1);
  showVulnerability();
  showTimings();
}

async function runAttack(): Promise<void> {
  const settings = attackSettings();
  const label = snap.sample!.label;
  const started = performance.now();
  const inputs = currentInputs();
  let out;
  try {
    out = await attack(model!, inputs, label, settings);
  } finally {
    vm.dispose(inputs);
  }
  snap.timings.attackMs = performance.now() - started;
  snap.attack = { logits: out.logits, probs: out.probs, prediction: out.prediction, vulnerability: out.vulnerability, settings, deltaNorm: out.deltaNorm };
  $('attack-result').hidden = false;
  $('perturbed').hidden = out.adversarial === null;
  if (out.adversarial) {
    drawArray($<HTMLCanvasElement>('adv-image'), out.adversarial.colorlessimage, 28, 28);
    drawArray($<HTMLCanvasElement>('adv-spec'), out.adversarial.audiospec, 28, 28, { lo: specRange[0], hi: specRange[1] });
    drawArray($<HTMLCanvasElement>('delta-image'), out.delta.colorlessimage, 28, 28, { signed: true });
    drawArray($<HTMLCanvasElement>('delta-spec'), out.delta.audiospec, 28, 28, { signed: true });
  }
  showVerdict('attack', out, label);
  $('delta-norms').textContent = Object.entries(out.deltaNorm).map(([m, n]) => `||delta_${NAMES[m]}|| = ${n.toPrecision(3)}`).join(', ');
  showVulnerability();
  showTimings();
}

function showTimings(): void {
  const t = snap.timings;
  const steps = t.stepMs.length ? `, training step ${(t.stepMs.reduce((a, b) => a + b, 0) / t.stepMs.length).toFixed(0)} ms (mean of ${t.stepMs.length})` : '';
  const attackPart = snap.attack ? `; attack ${t.attackMs.toFixed(1)} ms` : '';
  $('timings').textContent = `page ready in ${t.loadMs.toFixed(0)} ms; prediction + probe ${t.predictMs.toFixed(1)} ms${attackPart}${steps} on ${snap.backend}`;
}

function chartTraining(): void {
  const h = snap.training;
  lineChart($<SVGSVGElement>('chart-loss'), 'loss', [{ name: 'loss', color: '#333', values: h.map((r) => r.loss) }]);
  lineChart($<SVGSVGElement>('chart-acc'), 'robust accuracy (batch)', [{ name: 'acc', color: '#2a8a4a', values: h.map((r) => r.robustAccuracy) }], [0, 1]);
  lineChart($<SVGSVGElement>('chart-v'), 'vulnerability V', ['colorlessimage', 'audiospec'].map((m) => ({ name: NAMES[m], color: COLORS[m], values: h.map((r) => r.vulnerability[m]) })));
}

/** Replaces the page's model with `next` weights on the current backend. */
function useWeights(next: HostWeights, name: string): void {
  const fresh = buildModel(next, name);
  model?.dispose();
  model = fresh;
  weights = next;
  snap.weights = name;
}

async function runTraining(): Promise<void> {
  const method = $<HTMLSelectElement>('method').value as vm.robust.AtMethod;
  const alpha = Number($<HTMLInputElement>('alpha').value);
  const count = Math.max(1, Math.min(50, Math.floor(Number($<HTMLInputElement>('steps').value))));
  trainer ??= await LiveTrainer.create(weights, samples.train);
  for (let k = 0; k < count; k++) {
    const r = trainer.step(method, alpha);
    snap.training.push(r);
    snap.timings.stepMs.push(r.ms);
    chartTraining();
    $('train-last').textContent = `step ${r.step} (${r.method}): loss ${r.loss.toFixed(4)} = CE ${r.ce.toFixed(4)} + penalty ${r.penalty.toFixed(4)}, robust accuracy ${(100 * r.robustAccuracy).toFixed(1)}%`;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page paint
  }
  useWeights(await trainer.weights(), `the demo weights after ${trainer.taken} training step${trainer.taken === 1 ? '' : 's'}`);
  await runPrediction();
}

async function resetWeights(): Promise<void> {
  trainer?.dispose();
  trainer = null;
  snap.training = [];
  snap.timings.stepMs = [];
  chartTraining();
  $('train-last').textContent = '';
  await boot();
}

async function switchBackend(name: vm.BackendName): Promise<void> {
  const keep = await hostWeights(model!);
  await vm.init({ backend: name });
  snap.backend = name;
  snap.backendDescription = vm.getBackend().describe();
  $('backend-desc').textContent = snap.backendDescription;
  useWeights(keep, snap.weights);
  await runPrediction();
}

async function loadWeightsFile(file: File): Promise<void> {
  const next = readWeights(new Uint8Array(await file.arrayBuffer()), `the weights file '${file.name}'`);
  trainer?.dispose();
  trainer = null;
  useWeights(next, file.name);
  await runPrediction();
}

/** Runs `task` with the page marked busy; failures are shown in the page. */
async function busy(context: string, task: () => Promise<void>): Promise<void> {
  setStatus('busy');
  try {
    await task();
    setStatus('ready');
  } catch (e) {
    showError(e, context);
  }
}

function wire(): void {
  $('sample').addEventListener('change', () => busy('prediction failed', async () => {
    const index = Number($<HTMLSelectElement>('sample').value);
    snap.sample = { index, label: samples.test.labels[index] };
    await runPrediction();
  }));
  for (const id of ['space', 'norm', 'eps', 'target']) $(id).addEventListener('input', showEps);
  $('attack').addEventListener('click', () => busy('the attack failed', runAttack));
  $('train').addEventListener('click', () => busy('training failed', runTraining));
  $('reset').addEventListener('click', () => busy('reset failed', resetWeights));
  $('backend').addEventListener('change', () => busy('switching the backend failed', () => switchBackend($<HTMLSelectElement>('backend').value as vm.BackendName)));
  $<HTMLInputElement>('weights-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void busy('cannot use this weights file', () => loadWeightsFile(file));
  });
}

/** Loads the weights (shipped or ?weights=) and samples, and predicts the first sample. */
async function boot(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const url = params.get('weights') ?? DEFAULT_WEIGHTS;
  const [wBytes, sBytes] = await Promise.all([fetchBytes(url, 'the weights'), samples ? null : fetchBytes(SAMPLES, 'the samples')]);
  if (sBytes) samples = readSamples(sBytes, `the samples (${SAMPLES})`);
  useWeights(readWeights(wBytes, `the weights file ${url}`), url);
  const select = $<HTMLSelectElement>('sample');
  if (select.options.length === 0) {
    for (let i = 0; i < samples.test.size; i++) select.append(new Option(`test sample ${i} (digit ${samples.test.labels[i]})`, String(i)));
  }
  const index = Math.min(samples.test.size - 1, Math.max(0, Number(params.get('sample') ?? snap.sample?.index ?? 0) | 0));
  select.value = String(index);
  snap.sample = { index, label: samples.test.labels[index] };
  await runPrediction();
}

async function start(): Promise<void> {
  const support = await detectSupport();
  snap.support = support;
  if (!support.webgpu && !support.wasm) {
    $('app').hidden = true;
    $('backend-line').hidden = true;
    setStatus('unsupported', `This browser cannot run varmat: it has neither WebGPU (${support.missing.webgpu}) nor WebAssembly (${support.missing.wasm}). Try a current Chrome, Edge, Firefox or Safari with WebAssembly enabled.`);
    return;
  }
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked !== null && asked !== 'webgpu' && asked !== 'wasm') throw new DemoLoadError(`unknown ?backend=${asked}: use webgpu or wasm`);
  const name: vm.BackendName = (asked as vm.BackendName | null) ?? (support.webgpu ? 'webgpu' : 'wasm');
  if (!support[name as 'webgpu' | 'wasm']) throw new DemoLoadError(`?backend=${name} was asked for, but ${support.missing[name as 'webgpu' | 'wasm']}`);
  const select = $<HTMLSelectElement>('backend');
  for (const o of Array.from(select.options)) {
    o.disabled = !support[o.value as 'webgpu' | 'wasm'];
    if (o.disabled) o.textContent += ' (unavailable)';
  }
  select.value = name;
  await vm.init({ backend: name });
  snap.backend = name;
  snap.backendDescription = vm.getBackend().describe();
  $('backend-desc').textContent = snap.backendDescription + (name === 'webgpu' ? '' : support.simd ? '' : ' (no SIMD: scalar kernels)');
  wire();
  showEps();
  chartTraining();
  await boot();
  snap.timings.loadMs = performance.now();
  showTimings();
}

setStatus('loading', 'Loading the model…');
start().then(() => {
  if (snap.status === 'loading') setStatus('ready');
}, (e) => {
  $('app').hidden = true;
  showError(e, 'The demo could not start');
});
