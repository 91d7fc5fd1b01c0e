import { fail } from '../errors.js';
import { noGrad } from '../autograd/grad.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, minimum } from '../ops/elementwise.js';
import type { Parameter } from '../nn/parameter.js';

/**
 * Scales all gradients by one factor so that their global L2 norm is at most `maxNorm` (PyTorch's
 * `clip_grad_norm_`: factor min(1, maxNorm / (norm + 1e-6))). Returns the norm before clipping as
 * a scalar tensor (nothing is read back, so it costs no synchronisation); parameters without a
 * gradient are ignored.
 *
 * @example
 * loss.backward();
 * const norm = vm.optim.clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): Tensor | null {
  if (!(maxNorm > 0)) fail('VALUE', 'clipGradNorm', 'maxNorm', 'a number > 0', maxNorm);
  const withGrad = params.filter((p) => p.grad !== null);
  if (withGrad.length === 0) return null;
  return noGrad(() => {
    const norm = tidy(() => withGrad.map((p) => p.grad!.square().sum()).reduce((a, b) => add(a, b)).sqrt());
    tidy(() => {
      const factor = minimum(norm.add(1e-6).reciprocal().mul(maxNorm), 1);
      for (const p of withGrad) p.grad = p.grad!.mul(factor);
    });
    return norm;
  });
}
