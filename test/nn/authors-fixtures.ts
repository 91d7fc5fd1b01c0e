// The authors' AV-MNIST fixtures (../shared/fixtures/authors-avmnist) hold the released VARMAT weights
// (GitHub AlniyatRui/VARMAT, commit 1a4783cbca53e0df92785a4d5bc6a1b4c732c667), re-encoded as safetensors,
// and outputs of the authors' code. The tests read them in place; nothing is copied into this repository.
// Their licence, kept here as it asks:
//
//   MIT License. Copyright (c) 2022 Paul Liang; Copyright (c) 2025 Junrui Zhang.
//   Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
//   associated documentation files (the "Software"), to deal in the Software without restriction,
//   including without limitation the rights to use, copy, modify, merge, publish, distribute,
//   sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
//   furnished to do so, subject to the following conditions: The above copyright notice and this
//   permission notice shall be included in all copies or substantial portions of the Software.
//   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
//   NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
//   NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
//   OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
//   CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from '../../src/index.js';
import { parseSafetensors, type SafetensorsFile } from '../../src/checkpoint/safetensors.js';

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The authors' AV-MNIST fixtures, read in place from ../shared (never copied into the repository). */
export const FIXTURES = resolve(REPO_ROOT, '../shared/fixtures/authors-avmnist');

export const haveFixtures = existsSync(resolve(FIXTURES, 'weights-clean.safetensors'));
// CI has ../shared beside the clone: there the fixture suites must run, never skip.
if (!haveFixtures && process.env.CI) throw new Error(`CI: the authors' fixtures are missing at ${FIXTURES}; the fidelity tests must run`);

const cache = new Map<string, SafetensorsFile>();

/** A fixture file, parsed once. */
export function fixture(file: string): SafetensorsFile {
  let f = cache.get(file);
  if (!f) {
    f = parseSafetensors(readFileSync(resolve(FIXTURES, file)), file);
    cache.set(file, f);
  }
  return f;
}

/** max |a - b| / max |b| (Infinity on length mismatch or NaN). */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The fixture inputs as tensors of `dtype` on `backend`. */
export function fixtureInputs(dtype: 'float32' | 'float64', backend: vm.BackendName): Record<string, vm.Tensor> {
  const inputs = fixture('inputs.safetensors').tensors;
  const out: Record<string, vm.Tensor> = {};
  for (const m of ['colorlessimage', 'audiospec']) out[m] = vm.tensor(inputs[m].data as Float32Array, inputs[m].shape, { dtype, backend });
  return out;
}

/** The fixture labels as int32. */
export function fixtureLabels(backend: vm.BackendName): vm.Tensor {
  const l = fixture('inputs.safetensors').tensors.labels.data as BigInt64Array;
  return vm.tensor(Array.from(l, Number), [l.length], { dtype: 'int32', backend });
}
