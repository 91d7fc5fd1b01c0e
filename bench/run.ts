// `npm run bench -- [suite] [options]`: runs one benchmark suite.
//   kernels (default)  matmul / conv2d GFLOP/s: reference and wasm vs tfjs-backend-wasm (XNNPACK)
//   webgpu             matmul / conv2d GFLOP/s: webgpu vs tfjs-backend-webgpu and gpu.js, same adapter
//   train              training-step samples/s: the AV-MNIST Perceiver per backend, a CNN vs tfjs-wasm
//   step               the VARMAT / Avg / clean step and a PGD-10 batch of the AV-MNIST Perceiver, vs PyTorch
// Each suite reads its own options (--out FILE, --only ..., --quick) from the command line.
const suites: Record<string, string> = {
  kernels: './kernels.ts',
  webgpu: './webgpu.ts',
  train: './train-step.ts',
  step: './step.ts',
};
const suite = process.argv.slice(2).find((a) => !a.startsWith('-') && a in suites) ?? 'kernels';
await import(suites[suite]);

export {};
