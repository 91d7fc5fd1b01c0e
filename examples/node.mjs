#!/usr/bin/env node
// varmat in Node: inference, the VARMAT probe and an attack on the demo model, on WebAssembly.
// Run from the repository root after `npm run build`: node examples/node.mjs [sample]
import { readFile } from 'node:fs/promises';
import * as vm from 'varmat';
import { analyse } from './analyse.mjs';

const assets = new URL('../web/assets/', import.meta.url);
await vm.init({ backend: 'wasm' });
const result = await analyse(
  await readFile(new URL('avmnist-cnn.safetensors', assets)),
  await readFile(new URL('avmnist-samples.safetensors', assets)),
  Number(process.argv[2] ?? 0),
);
console.log(JSON.stringify(result));
