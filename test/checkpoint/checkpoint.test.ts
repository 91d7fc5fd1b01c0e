import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import {
  encodeSafetensors, loadCheckpoint, parseSafetensors, readCheckpoint, saveCheckpoint, writeFileAtomic,
} from '../../src/checkpoint/index.js';
import { Linear, PerceiverFusion, Sequential, ReLU, presets, type HostArray } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import { FIXTURES, haveFixtures } from '../nn/authors-fixtures.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

const dir = mkdtempSync(join(tmpdir(), 'varmat-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectCorrupt(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect((e as vm.VarmatError).code).toBe('CORRUPT');
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a CORRUPT error');
}

async function expectCorruptAsync(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(pattern) });
}

const bytesOf = (a: ArrayBufferView): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

const sample = () => ({
  'b.f32': { shape: [3], data: Float32Array.of(1.5, -0, NaN) },
  'a.f64': { shape: [2, 1], data: Float64Array.of(Math.PI, 5e-324) },
  'c.i32': { shape: [], data: Int32Array.of(-7) },
  'd.empty': { shape: [0, 4], data: new Float32Array(0) },
});

describe('safetensors', () => {
  it('writes what the format specifies: u64 LE header size, JSON header padded to 8, aligned contiguous offsets', () => {
    const bytes = encodeSafetensors(sample(), { format: 'pt', note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text[0]).toBe('{');
    expect(text.trimEnd().length + (n - text.trimEnd().length)).toBe(n);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'x' });
    const sizes: Record<string, number> = { F32: 4, F64: 8, I32: 4 };
    const spans = Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => {
      const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
      expect(Object.keys(e).sort()).toEqual(['data_offsets', 'dtype', 'shape']);
      expect((8 + n + e.data_offsets[0]) % sizes[e.dtype]).toBe(0);
      expect(e.data_offsets[1] - e.data_offsets[0]).toBe(e.shape.reduce((a, b) => a * b, 1) * sizes[e.dtype]);
      return [k, e.data_offsets] as const;
    });
    expect(Object.fromEntries(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, (v as { dtype: string }).dtype])))
      .toEqual({ 'b.f32': 'F32', 'a.f64': 'F64', 'c.i32': 'I32', 'd.empty': 'F32' });
    const sorted = spans.map(([, o]) => o).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let at = 0;
    for (const [b, e] of sorted) {
      expect(b).toBe(at);
      at = e;
    }
    expect(8 + n + at).toBe(bytes.length);
  });

  it('round-trips bit for bit (NaN, -0, subnormals, empty and scalar tensors)', () => {
    const input = sample();
    const back = parseSafetensors(encodeSafetensors(input));
    for (const [k, v] of Object.entries(input)) {
      expect(back.tensors[k].shape).toEqual(v.shape);
      expect(bytesOf(back.tensors[k].data)).toEqual(bytesOf(v.data));
    }
    expect(Object.keys(back.tensors)).toEqual(Object.keys(input));
  });

  it.skipIf(!haveFixtures)('reads files written by the reference (Python) implementation', () => {
    const f = parseSafetensors(readFileSync(join(FIXTURES, 'weights-clean.safetensors')));
    expect(Object.keys(f.tensors).length).toBe(61);
    expect(f.tensors['to_logits.1.weight'].shape).toEqual([10, 128]);
    expect(f.tensors['to_logits.1.weight'].dtype).toBe('F32');
    const inputs = parseSafetensors(readFileSync(join(FIXTURES, 'inputs.safetensors')));
    expect(Array.from(inputs.tensors.labels.data as BigInt64Array, Number)).toEqual([4, 5, 8, 4]);
  });

  it('refuses truncated and corrupt files with CORRUPT errors that say what is wrong', () => {
    const good = encodeSafetensors(sample());
    const n = Number(new DataView(good.buffer).getBigUint64(0, true));
    expectCorrupt(() => parseSafetensors(good.subarray(0, 5)), /fewer than the 8-byte header length/);
    expectCorrupt(() => parseSafetensors(good.subarray(0, 8 + n - 3)), /header claims .*truncated/);
    expectCorrupt(() => parseSafetensors(good.subarray(0, good.length - 4)), /truncated|overlaps|gap|ends at/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expectCorrupt(() => parseSafetensors(huge), /exceeds the format's limit/);
    const edit = (from: string, to: string): Uint8Array => {
      const text = new TextDecoder().decode(good.subarray(8, 8 + n)).replace(from, to).padEnd(n, ' ');
      const out = good.slice();
      out.set(new TextEncoder().encode(text).subarray(0, n), 8);
      return out;
    };
    expectCorrupt(() => parseSafetensors(edit('{', '[')), /not valid UTF-8 JSON|not a JSON object/);
    expectCorrupt(() => parseSafetensors(edit('"F64"', '"Q64"')), /unsupported dtype "Q64"/);
    expectCorrupt(() => parseSafetensors(edit('"shape":[2,1]', '"shape":[2,2]')), /spans 16 bytes but F64 \[2, 2\] needs 32/);
    const trailing = new Uint8Array(good.length + 4);
    trailing.set(good);
    expectCorrupt(() => parseSafetensors(trailing), /4 bytes after the last tensor/);
  });

  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import safetensors.numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!python) console.warn('safetensors interop check skipped: python3 with the safetensors package is not installed');

  it.skipIf(!python)('is read by the reference implementation (Python safetensors, the same Rust parser PyTorch\'s loader uses)', () => {
    const file = join(dir, 'interop.safetensors');
    writeFileSync(file, encodeSafetensors({
      'layer.weight': { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) },
      'layer.bias': { shape: [2], data: Float64Array.of(0.25, 1e-300) },
      step: { shape: [], data: Int32Array.of(12) },
    }, { format: 'pt' }));
    const script = [
      'import json, sys',
      'from safetensors import safe_open',
      'from safetensors.numpy import load_file',
      't = load_file(sys.argv[1])',
      'with safe_open(sys.argv[1], framework="np") as f: meta = f.metadata()',
      'print(json.dumps({k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.ravel().tolist()} for k, v in t.items()} | {"meta": meta}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(out['layer.weight']).toEqual({ dtype: 'float32', shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5] });
    expect(out['layer.bias']).toEqual({ dtype: 'float64', shape: [2], values: [0.25, 1e-300] });
    expect(out.step).toEqual({ dtype: 'int32', shape: [], values: [12] });
    expect(out.meta).toEqual({ format: 'pt' });
  });
});

describe('checkpoints', () => {
  const makeModel = () => new Sequential([new Linear(3, 4, { rng: 1 }), new ReLU(), new Linear(4, 2, { rng: 2 })]);

  it('saves model, optimizer and position; reading back is bit-exact and resumes the optimizer', async () => {
    const model = makeModel();
    const opt = new Adam(model.namedParameters(), { lr: 0.01, weightDecay: 1e-3 });
    vm.tidy(() => vm.crossEntropy(model.forward(vm.randn([5, 3], { seed: 1 })), vm.tensor([0, 1, 1, 0, 1], undefined, { dtype: 'int32' })).backward());
    opt.step();
    const path = join(dir, 'run', 'last.safetensors');
    await saveCheckpoint(path, { model, optimizer: opt, position: { epoch: 2, step: 40 }, info: { model: 'mlp' } });
    expect(readdirSync(join(dir, 'run')).sort()).toEqual(['last.json', 'last.optim.safetensors', 'last.safetensors']);
    const ckpt = await readCheckpoint(path);
    expect(ckpt.position).toEqual({ epoch: 2, step: 40 });
    expect(ckpt.info).toEqual({ model: 'mlp' });
    for (const [k, t] of Object.entries(model.stateDict())) expect(bytesOf(ckpt.weights[k].data)).toEqual(bytesOf(t.dataSync()));
    for (const [k, t] of Object.entries(opt.stateDict().tensors)) expect(bytesOf((ckpt.optimizer!.tensors[k] as HostArray).data)).toEqual(bytesOf((t as vm.Tensor).dataSync()));
    const model2 = makeModel();
    const opt2 = new Adam(model2.namedParameters(), { lr: 0.5, weightDecay: 1e-3 });
    await loadCheckpoint(path, model2, opt2);
    expect(opt2.lr).toBe(0.01);
    for (const o of [opt, opt2]) {
      const m = o === opt ? model : model2;
      vm.tidy(() => vm.crossEntropy(m.forward(vm.randn([5, 3], { seed: 2 })), vm.tensor([1, 1, 0, 0, 1], undefined, { dtype: 'int32' })).backward());
      o.step();
    }
    for (const [k, t] of Object.entries(model.stateDict())) expect(bytesOf(model2.stateDict()[k].dataSync())).toEqual(bytesOf(t.dataSync()));
    for (const x of [opt, opt2, model, model2]) x.dispose();
  });

  it('refuses truncated, corrupted and mismatched parts with CORRUPT errors', async () => {
    const model = makeModel();
    const opt = new Adam(model.namedParameters());
    const path = join(dir, 'bad', 'ck.safetensors');
    const save = () => saveCheckpoint(path, { model, optimizer: opt, position: { epoch: 0 } });
    await save();
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 10));
    await expectCorruptAsync(readCheckpoint(path), /has \d+ bytes but the sidecar recorded \d+ \(truncated/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    writeFileSync(path, flipped);
    await expectCorruptAsync(readCheckpoint(path), /does not match the SHA-256/);
    await save();
    writeFileSync(join(dir, 'bad', 'ck.json'), '{"format": "varmat-checkpoint", ');
    await expectCorruptAsync(readCheckpoint(path), /not valid JSON/);
    await save();
    const optimFile = join(dir, 'bad', 'ck.optim.safetensors');
    writeFileSync(optimFile, readFileSync(optimFile).subarray(0, 12));
    await expectCorruptAsync(readCheckpoint(path), /ck.optim.safetensors has 12 bytes/);
    // Without a sidecar, a bare safetensors file is read as weights, and its structure is still checked.
    rmSync(join(dir, 'bad', 'ck.json'));
    writeFileSync(path, good.subarray(0, good.length - 10));
    await expectCorruptAsync(readCheckpoint(path), /not a valid safetensors file/);
    writeFileSync(path, good);
    expect(Object.keys((await readCheckpoint(path)).weights)).toEqual(Object.keys(model.stateDict()));
    opt.dispose();
    model.dispose();
  });

  it.skipIf(!haveFixtures)('a Perceiver checkpoint keeps the authors\' names (PyTorch loads it by name)', async () => {
    const model = new PerceiverFusion(presets.avmnist, { rng: 0 });
    const path = join(dir, 'perceiver.safetensors');
    await saveCheckpoint(path, { model });
    const theirs = parseSafetensors(readFileSync(join(FIXTURES, 'weights-clean.safetensors'))).tensors;
    const ours = parseSafetensors(readFileSync(path)).tensors;
    for (const [k, v] of Object.entries(ours)) {
      expect(theirs[k], k).toBeDefined();
      expect(v.shape).toEqual(theirs[k].shape);
    }
    expect(Object.keys(ours).length).toBe(57);
    model.dispose();
  });

  it('writeFileAtomic replaces whole files and leaves the old one on failure', async () => {
    const file = join(dir, 'atomic.txt');
    await writeFileAtomic(file, new TextEncoder().encode('first'));
    await writeFileAtomic(file, new TextEncoder().encode('second'));
    expect(readFileSync(file, 'utf8')).toBe('second');
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'x.txt'), new Uint8Array(1))).rejects.toMatchObject({ code: 'IO' });
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
