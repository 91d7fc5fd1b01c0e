// `npm run web`: builds the demo page and serves it on 127.0.0.1 (port 8173, or PORT / --port N).
import { buildDemo } from './build.js';
import { startDemoServer } from './server.js';

const flag = process.argv.indexOf('--port');
const port = Number(flag >= 0 ? process.argv[flag + 1] : process.env.PORT ?? 8173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`varmat web: --port must be an integer in 0..65535, got ${flag >= 0 ? process.argv[flag + 1] : process.env.PORT}`);
  process.exit(2);
}
const { bytes } = await buildDemo();
const demo = await startDemoServer({ port });
console.log(`varmat demo (web/dist/app.js, ${(bytes / 1024).toFixed(0)} KiB): ${demo.url}`);
console.log('add ?backend=wasm or ?backend=webgpu to pick a backend; Ctrl-C stops the server');
process.on('SIGINT', () => void demo.close().then(() => process.exit(0)));
