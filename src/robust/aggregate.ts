/**
 * How the VARMAT regularizer combines the per-modality vulnerabilities V [B, K] into one number:
 * 'sum' (faithful: R = sum_{b,m} V / B), 'max' (the most vulnerable modality per sample), or
 * 'softmax' (per sample sum_m softmax(V_b / T)_m V_{b,m}, a soft maximum with temperature T).
 */

import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { softmax } from '../ops/nn.js';

/** The aggregation of V over modalities. */
export type Aggregation = 'sum' | 'max' | 'softmax';

/**
 * R = (1 / B) sum_b agg_m V[b, m], a scalar that keeps V's graph.
 *
 * @example
 * const R = vm.robust.aggregateVulnerability(V, 'sum');          // faithful
 * const Rs = vm.robust.aggregateVulnerability(V, 'softmax', 0.5);
 */
export function aggregateVulnerability(v: Tensor, how: Aggregation = 'sum', temperature = 1): Tensor {
  if (v.rank !== 2) fail('SHAPE', 'aggregateVulnerability', 'v', 'a tensor [B, K]', v.shape);
  const b = v.shape[0];
  {
    switch (how) {
      case 'sum': return v.sum().div(b);
      case 'max': return v.max(1).sum().div(b);
      case 'softmax': {
        if (!(temperature > 0)) fail('VALUE', 'aggregateVulnerability', 'temperature', 'a number > 0', temperature);
        return softmax(v.div(temperature), 1).mul(v).sum().div(b);
      }
      default: return fail('OPTION', 'aggregateVulnerability', 'how', "'sum', 'max' or 'softmax'", how);
    }
  }
}
