// Runs examples/worker.mjs in a Deno Web Worker with every permission denied (no file system, no
// network): this host reads the files and hands the worker bytes. Run from the repository root:
//   deno run --unstable-worker-options --allow-read=web/assets,examples,dist examples/run-worker.ts [sample]
// (Deno marks the worker's `deno.permissions` option unstable; the host's read access covers loading
// the worker's modules, the worker itself can read nothing.)
const assets = new URL('../web/assets/', import.meta.url);
const weights = await Deno.readFile(new URL('avmnist-cnn.safetensors', assets));
const samples = await Deno.readFile(new URL('avmnist-samples.safetensors', assets));

const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
  type: 'module',
  // Deno's worker option: the worker runs without any permission.
  deno: { permissions: 'none' },
} as WorkerOptions);
const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = (e) => { e.preventDefault(); reject(new Error(e.message)); };
  worker.postMessage({ weights: weights.buffer, samples: samples.buffer, sample: Number(Deno.args[0] ?? 0) }, [weights.buffer, samples.buffer]);
});
worker.terminate();
if ('error' in reply) {
  console.error(`worker: ${reply.error}`);
  Deno.exit(1);
}
console.log(JSON.stringify(reply));
