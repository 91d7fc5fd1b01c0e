import { checkOptions, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkSize, rngOf, uniformInit, type LayerOptions } from './init.js';
import { Layer } from './layer.js';
import type { Parameter } from './parameter.js';

/** Options of `Linear`. */
export interface LinearOptions extends LayerOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
}

/**
 * y = x W^T + b over the last axis, with W stored [out, in] as in PyTorch. Initialised like
 * PyTorch: W and b uniform in +-1/sqrt(in), drawn in that order from the generator.
 *
 * @example
 * const fc = new vm.nn.Linear(64, 10, { rng: new vm.Rng(0) });
 * fc.forward(vm.zeros([8, 64])).shape;   // [8, 10]
 */
export class Linear extends Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, ['rng', 'dtype', 'backend', 'bias']);
    this.inFeatures = checkSize('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkSize('Linear', 'outFeatures', outFeatures);
    const rng = rngOf('Linear', options);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniformInit([outFeatures, inFeatures], bound, rng, options));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit([outFeatures], bound, rng, options));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight.value, this.bias?.value ?? null);
  }
}

/**
 * The functional form of `Linear`: x [..., in] times w [out, in] transposed, plus b [out]. Leading
 * axes are flattened into one matrix product (one GEMM forward and one per gradient).
 *
 * @example
 * vm.nn.linear(x, w, b);
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (x.rank < 1 || x.shape[x.rank - 1] !== w.shape[1]) {
    fail('SHAPE', 'linear', 'x', `a tensor whose last axis is ${w.shape[1]}`, x.shape);
  }
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : x.reshape([-1, w.shape[1]]);
  const y2 = x2.matmul(w, { transB: true });
  if (x2 !== x) x2.dispose();
  let y = y2;
  if (b !== null) {
    y = y2.add(b);
    y2.dispose();
  }
  if (x.rank === 2) return y;
  const out = y.reshape([...lead, w.shape[0]]);
  y.dispose();
  return out;
}
