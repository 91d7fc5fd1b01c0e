// Bundles varmat with esbuild: one ESM library bundle (WebAssembly bytes embedded, no Node
// built-ins, so it runs unchanged in Node, Deno and browsers) and the Node CLI.
import { build } from 'esbuild';

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...common,
  // The whole library, and the tensor core alone (varmat/core: no models, attacks or data).
  entryPoints: { varmat: 'src/index.ts', core: 'src/core.ts' },
  outdir: 'dist',
  platform: 'neutral',
  mainFields: ['module', 'main'],
});

// Node-only entries: files and long runs (varmat/node) and the CLI.
await build({
  ...common,
  entryPoints: { node: 'src/node.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist',
  platform: 'node',
  packages: 'external',
});

console.log('bundled dist/varmat.js, dist/core.js, dist/node.js and dist/cli.js');
