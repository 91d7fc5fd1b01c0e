#!/usr/bin/env node
// The `varmat` command: runs the bundled CLI (build it with `npm run build`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('varmat: dist/cli.js is missing; run `npm run build` first');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
