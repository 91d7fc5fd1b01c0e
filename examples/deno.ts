// varmat in Deno, from the platform-neutral bundle: inference, the VARMAT probe and an attack on
// the demo model. Run from the repository root after `npm run build`:
//   deno run --allow-read=web/assets examples/deno.ts [sample] [wasm|webgpu]
import * as vm from '../dist/varmat.js';
import { analyse } from './analyse.mjs';

const assets = new URL('../web/assets/', import.meta.url);
await vm.init({ backend: (Deno.args[1] ?? 'wasm') as 'wasm' | 'webgpu' });
const result = await analyse(
  await Deno.readFile(new URL('avmnist-cnn.safetensors', assets)),
  await Deno.readFile(new URL('avmnist-samples.safetensors', assets)),
  Number(Deno.args[0] ?? 0),
);
console.log(JSON.stringify(result));
