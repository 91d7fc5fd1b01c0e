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
  entryPoints: ['src/index.ts'],
  outfile: 'dist/varmat.js',
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

console.log('bundled dist/varmat.js, dist/node.js and dist/cli.js');
