// varmat in a worker with no file system: a Web Worker (browsers, Deno) that receives the weights
// and samples as bytes in a message and answers with the analysis. Message in:
// { weights: ArrayBuffer, samples: ArrayBuffer, sample?: number, backend?: 'wasm' | 'webgpu' };
// out: the analysis (see analyse.mjs), or { error }.
import * as vm from '../dist/varmat.js';
import { analyse } from './analyse.mjs';

self.onmessage = async (event) => {
  const { weights, samples, sample = 0, backend = 'wasm' } = event.data;
  try {
    await vm.init({ backend });
    self.postMessage(await analyse(new Uint8Array(weights), new Uint8Array(samples), sample));
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
