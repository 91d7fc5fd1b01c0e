import { describe, expect, it } from 'vitest';
import * as vm from '../../src/index.js';
import { Dropout, Linear, Module, ModuleList, Parameter, Sequential, type HostArray } from '../../src/nn/index.js';
import { checkNoLeaks } from '../helpers/leak-check.js';

checkNoLeaks();

class Net extends Module {
  readonly scale: Parameter;
  readonly body: Sequential;
  readonly heads: ModuleList<Linear>;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', vm.ones([2]));
    this.body = this.registerModule('body', new Sequential([new Linear(3, 2, { rng: 1 }), new Dropout(0.5, { rng: 1 })]));
    this.heads = this.registerModule('heads', new ModuleList([new Linear(2, 1, { rng: 2 })]));
    this.registerAlias('heads_alias', 'heads');
  }
}

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(vm.VarmatError);
    expect((e as vm.VarmatError).code).toBe(code);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an error');
}

describe('Module', () => {
  it('names parameters with PyTorch-style dotted paths, own parameters first', () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(['scale', 'body.0.weight', 'body.0.bias', 'heads.0.weight', 'heads.0.bias']);
    expect(net.numParameters()).toBe(2 + 6 + 2 + 2 + 1);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'body', 'body.0', 'body.1', 'heads', 'heads.0']);
    net.dispose();
  });

  it('lists a parameter registered twice once, under its first name', () => {
    const shared = new Linear(2, 2);
    const m = new Module();
    m.registerModule('a', shared);
    m.registerModule('b', shared);
    expect(Object.keys(m.stateDict())).toEqual(['a.weight', 'a.bias']);
    expect(m.numParameters()).toBe(6);
    expect(() => m.registerModule('a', new Module())).toThrowError(/not registered yet/);
    vm.tidy(() => { expect(() => m.registerParameter('x.y', vm.ones([1]))).toThrowError(/without dots/); });
    m.dispose();
  });

  it('train() and eval() set the mode on every submodule', () => {
    const net = new Net();
    expect(net.body.layers[1].training).toBe(true);
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.body.layers[1].training).toBe(true);
    net.dispose();
  });

  it('loadStateDict round-trips values and converts dtype', () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    for (const [k, v] of Object.entries(a.stateDict())) expect(Array.from(b.stateDict()[k].dataSync())).toEqual(Array.from(v.dataSync()));
    const c = new Net().to({ dtype: 'float64' });
    expect(c.scale.value.dtype).toBe('float64');
    c.loadStateDict(a.stateDict());
    expect(c.stateDict()['body.0.weight'].dtype).toBe('float64');
    expect(Array.from(c.stateDict()['body.0.weight'].dataSync())).toEqual(Array.from(a.stateDict()['body.0.weight'].dataSync()));
    for (const m of [a, b, c]) m.dispose();
  });

  it('refuses missing, unexpected and mis-shaped keys with one clear error', () => {
    const net = new Net();
    const sd: Record<string, HostArray> = {};
    for (const [k, v] of Object.entries(net.stateDict())) sd[k] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
    const { scale: _drop, ...missing } = sd;
    expectError(() => net.loadStateDict(missing), 'VALUE', /missing keys: 'scale'/);
    expectError(() => net.loadStateDict({ ...sd, extra: sd.scale }), 'VALUE', /unexpected keys: 'extra'/);
    expectError(() => net.loadStateDict({ ...sd, 'body.0.bias': { shape: [3], data: new Float32Array(3) } }), 'VALUE', /'body.0.bias' has shape \[3\], expected \[2\]/);
    expectError(() => net.loadStateDict({ ...sd, scale: { shape: [2], data: new BigInt64Array(2) } as unknown as HostArray }), 'VALUE', /'scale' holds BigInt64Array values/);
    const loose = net.loadStateDict({ ...missing, extra: sd.scale }, { strict: false });
    expect(loose).toEqual({ missing: ['scale'], unexpected: ['extra'] });
    net.dispose();
  });

  it('accepts aliased keys and checks that both spellings agree', () => {
    const net = new Net();
    const w = { shape: [1, 2], data: Float32Array.of(5, 6) };
    const b = { shape: [1], data: Float32Array.of(7) };
    const sd: Record<string, HostArray> = {};
    for (const [k, v] of Object.entries(net.stateDict())) sd[k] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
    delete sd['heads.0.weight'];
    delete sd['heads.0.bias'];
    net.loadStateDict({ ...sd, 'heads_alias.0.weight': w, 'heads_alias.0.bias': b });
    expect(Array.from(net.heads.at(0).weight.value.dataSync())).toEqual([5, 6]);
    net.loadStateDict({ ...sd, 'heads.0.weight': w, 'heads.0.bias': b, 'heads_alias.0.weight': w, 'heads_alias.0.bias': b });
    expectError(
      () => net.loadStateDict({ ...sd, 'heads.0.weight': w, 'heads.0.bias': b, 'heads_alias.0.weight': { shape: [1, 2], data: Float32Array.of(5, 0) }, 'heads_alias.0.bias': b }),
      'VALUE', /name the same parameter but hold different values/,
    );
    net.dispose();
  });
});

describe('Parameter', () => {
  it('is a leaf that collects gradients; assign replaces the value and frees the old one', () => {
    const p = new Parameter(vm.tensor([1, 2, 3]));
    vm.tidy(() => p.value.square().sum().backward());
    expect(Array.from(p.grad!.dataSync())).toEqual([2, 4, 6]);
    const old = p.value;
    p.assign(vm.tidy(() => vm.noGrad(() => p.value.sub(p.grad!))));
    expect(old.isDisposed).toBe(true);
    expect(p.grad).toBeNull();
    expect(Array.from(p.value.dataSync())).toEqual([-1, -2, -3]);
    expect(p.value.requiresGrad).toBe(true);
    vm.tidy(() => { expect(() => p.assign(vm.tensor([1, 2]))).toThrowError(/shape \[3\]/); });
    p.requiresGrad = false;
    expect(p.value.requiresGrad).toBe(false);
    p.dispose();
  });
});
