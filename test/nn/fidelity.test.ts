import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { PerceiverFusion, presets, type HostArray } from '../../src/nn/index.js';
import { REPO_ROOT, fixture, fixtureInputs, fixtureLabels, haveFixtures, scaledError } from './authors-fixtures.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

// Fidelity to the authors' code: their released AV-MNIST weights, loaded by state-dict name, must
// reproduce every tensor their code computed on the fixture inputs (../shared/fixtures/authors-avmnist,
// README.md there). Bounds per tensor, S = max |reference|: float64 1e-9 S; float32 forward values
// 1e-5 S, CE 1e-5 relative (the README's acceptance table).

if (!haveFixtures) console.warn('fidelity tests skipped: ../shared/fixtures/authors-avmnist not found');

const wasmSource = resolve(REPO_ROOT, 'src/backend/wasm/wasm-backend.ts');
const wasmReason: string | null = existsSync(wasmSource) ? null : 'src/backend/wasm/wasm-backend.ts does not exist yet';

beforeAll(async () => {
  if (wasmReason !== null) return;
  try {
    await vm.init({ backend: 'wasm' });
  } catch {
    // The backend exists but is not yet registered with init(): construct it directly.
    const mod = (await import('../../src/backend/wasm/wasm-backend.js')) as { createWasmBackend: () => Promise<vm.Backend> };
    vm.registerBackend(await mod.createWasmBackend());
  }
  vm.setBackend('reference');
});
afterAll(() => {
  if (wasmReason !== null) console.warn(`fidelity on wasm skipped: ${wasmReason}`);
});

checkNoLeaks();

const FORWARD_KEYS = [
  'tokens.audiospec', 'tokens.colorlessimage',
  ...['audiospec', 'colorlessimage'].flatMap((m) => ['h1', 'h2', 'lt_y'].map((s) => `enc.${m}.${s}`)),
  'z.audiospec', 'z.colorlessimage',
  ...[0, 1].flatMap((p) => ['h1', 'h2', 'lt_y'].map((s) => `fusion.pair${p}.${s}`)),
  'catted', 'logits',
];

function loadModel(tag: string, dtype: 'float32' | 'float64', backend: vm.BackendName): PerceiverFusion {
  const model = new PerceiverFusion(presets.avmnist, { dtype, backend });
  // The files hold the head twice (to_logits.* and its alias to_logitslist.0.*): both load, and must agree.
  model.loadStateDict(fixture(`weights-${tag}.safetensors`).tensors as unknown as Record<string, HostArray>);
  return model.eval();
}

/** Runs the forward with a trace and returns every traced tensor's values and the CE. */
function run(model: PerceiverFusion, dtype: 'float32' | 'float64', backend: vm.BackendName): { values: Map<string, ArrayLike<number>>; ce: number } {
  const values = new Map<string, ArrayLike<number>>();
  const ce = vm.tidy(() => {
    const logits = model.forward(fixtureInputs(dtype, backend), { trace: (name, t) => values.set(name, t.dataSync()) });
    return vm.crossEntropy(logits, fixtureLabels(backend)).item();
  });
  return { values, ce };
}

function reference(tag: string, key: string, f64: boolean): ArrayLike<number> {
  if (key.startsWith('tokens.')) return fixture('inputs.safetensors').tensors[f64 ? `${key}.f64` : key].data as Float64Array;
  return fixture(`expected-${tag}${f64 ? '-f64' : ''}.safetensors`).tensors[key].data as Float64Array;
}

describe.skipIf(!haveFixtures)('fidelity to the authors\' AV-MNIST model', () => {
  it('the released checkpoints have the paper\'s parameter count and load by name', () => {
    const model = loadModel('clean', 'float32', 'reference');
    expect(model.numParameters()).toBe(510_402);
    model.dispose();
  });

  for (const tag of ['clean', 'varmat']) {
    it(`${tag}: float64 on reference reproduces tokens, every intermediate, latents and logits within 1e-9 S`, () => {
      const model = loadModel(tag, 'float64', 'reference');
      const { values, ce } = run(model, 'float64', 'reference');
      for (const key of FORWARD_KEYS) {
        expect(values.has(key), key).toBe(true);
        expect(scaledError(values.get(key)!, reference(tag, key, true)), key).toBeLessThan(1e-9);
      }
      const ref = (fixture(`expected-${tag}-f64.safetensors`).tensors.ce.data as Float64Array)[0];
      expect(Math.abs(ce - ref) / ref).toBeLessThan(1e-9);
      model.dispose();
    });

    it(`${tag}: float64 probe gradients and the double-backprop regularizer gradient match within 1e-9 S`, () => {
      const model = loadModel(tag, 'float64', 'reference');
      const expected = fixture(`expected-${tag}-f64.safetensors`).tensors;
      vm.tidy(() => {
        const z = model.encode(fixtureInputs('float64', 'reference'));
        const names = model.modalities;
        const zt = names.map((n) => z[n].detach().requiresGrad_());
        const latents = Object.fromEntries(names.map((n, i) => [n, zt[i]]));
        const ce = vm.crossEntropy(model.fuse(latents), fixtureLabels('reference'));
        const grads = vm.grad([ce], zt, { createGraph: true }) as vm.Tensor[];
        names.forEach((n, i) => expect(scaledError(grads[i].dataSync(), expected[`probe.grad.${n}`].data as Float64Array), n).toBeLessThan(1e-9));
        const v = vm.stack(grads.map((g) => vm.rowNorms(g, 2)), 1);
        expect(scaledError(v.dataSync(), expected['probe.V'].data as Float64Array)).toBeLessThan(1e-9);
        const r = v.sum().div(v.shape[0]);
        expect(Math.abs(r.item() / (expected['reg.R'].data as Float64Array)[0] - 1)).toBeLessThan(1e-9);
        const named = [...model.crossLayers.namedParameters().map(([k, p]) => [`cross_layers.${k}`, p] as const),
          ...model.head.namedParameters().map(([k, p]) => [`to_logits.${k}`, p] as const)];
        const g = vm.grad([r.mul(1000)], named.map(([, p]) => p.value));
        named.forEach(([k], i) => {
          expect(scaledError(g[i]!.dataSync(), expected[`reg.grad1000R.${k}`].data as Float64Array), k).toBeLessThan(1e-9);
        });
        expect(named.length).toBe(30);
      });
      model.dispose();
    });

    for (const backend of ['reference', 'wasm'] as const) {
      it(`${tag}: float32 on ${backend} within the README's bounds (1e-5 S forward, 1e-5 relative CE)`, (ctx) => {
        if (backend === 'wasm' && wasmReason !== null) {
          console.warn(`skipped: ${wasmReason}`);
          ctx.skip();
        }
        const model = loadModel(tag, 'float32', backend);
        const { values, ce } = run(model, 'float32', backend);
        for (const key of FORWARD_KEYS) expect(scaledError(values.get(key)!, reference(tag, key, false)), key).toBeLessThan(1e-5);
        const ref = (fixture(`expected-${tag}.safetensors`).tensors.ce.data as Float32Array)[0];
        expect(Math.abs(ce - ref) / ref).toBeLessThan(1e-5);
        model.dispose();
      });
    }
  }
});

