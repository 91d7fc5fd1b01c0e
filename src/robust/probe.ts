/**
 * The VARMAT vulnerability probe (VARMAT.md 3): per sample b and modality m,
 * V[b, m] = ||d L / d z_m[b]||_2 where L is the clean batch-mean cross-entropy of the fusion network
 * on the latents detached from the encoder. With `createGraph` (default) V is differentiable with
 * respect to the fusion network and head only (the encoder never sees it).
 */

import { grad } from '../autograd/grad.js';
import { checkOptions, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { crossEntropy } from '../ops/nn.js';
import { rowNorms } from '../ops/norms.js';
import { concat } from '../ops/movement.js';
import type { AttackModel } from '../attacks/attack-model.js';

/** The probe's form: the gradient norm as the authors' code computes it, or the dual-norm estimate r_m ||g||_2. */
export type ProbeForm = 'gradient' | 'dual';

/** Options of `probe`. */
export interface ProbeOptions {
  /** 'gradient' (faithful, default): ||g||_2. 'dual': r_m ||g||_2 with r_m = (eps / K) ||z_m||_F (detached). */
  form?: ProbeForm;
  /** The training budget of the dual form (default 0.01). */
  eps?: number;
  /** Keep the graph so the probe can be differentiated w.r.t. the fusion parameters (default true). */
  createGraph?: boolean;
}

/**
 * Computes V [B, K] (columns in `model.modalities` order). The latents are detached first, so the
 * encoder gets no gradient from anything built on V.
 *
 * @example
 * const z = model.encode(x);
 * const V = vm.robust.probe(model, z, labels);          // [B, 2], differentiable w.r.t. fusion + head
 * const R = V.sum().div(labels.shape[0]);               // the VARMAT regularizer (before alpha)
 */
export function probe(model: AttackModel, latents: Readonly<Record<string, Tensor>>, labels: Tensor, options: ProbeOptions = {}): Tensor {
  checkOptions('probe', options, ['form', 'eps', 'createGraph']);
  const form = options.form ?? 'gradient';
  if (form !== 'gradient' && form !== 'dual') fail('OPTION', 'probe', 'form', "'gradient' or 'dual'", form);
  const eps = options.eps ?? 0.01;
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) fail('VALUE', 'probe', 'eps', 'a finite number >= 0', eps);
  const createGraph = options.createGraph ?? true;
  const names = model.modalities;
  for (const m of names) if (!latents[m]) fail('VALUE', 'probe', `latents.${m}`, 'a latent tensor for every modality', undefined);
  // No tidy here: V's graph (createGraph) refers to these intermediates; the caller's scope owns them.
  const zt: Record<string, Tensor> = {};
  for (const m of names) zt[m] = latents[m].detach().requiresGrad_();
  const loss = crossEntropy(model.fuse(zt), labels);
  return gradientNorms(names, zt, loss, createGraph, (m, v) => (form === 'dual' ? v.mul(rowNorms(zt[m].detach(), 2).mul(eps / names.length)) : v));
}

/** Options of `inputProbe`. */
export interface InputProbeOptions {
  /** Keep the graph so the probe can be differentiated w.r.t. every parameter, encoder included (default true). */
  createGraph?: boolean;
}

/**
 * The input-space probe (beyond the paper; the input-space VARMAT of `robustStep`'s `space:
 * 'input'`): V[b, m] = ||d L / d x_m[b]||_2, L the clean batch-mean cross-entropy of the whole
 * network fuse(encode(x)) at the detached inputs. Unlike the latent probe, the gradient passes
 * through the encoder, so with `createGraph` V is differentiable with respect to the encoder too:
 * a penalty on it trains the whole network. Columns in `model.modalities` order.
 *
 * @example
 * const V = vm.robust.inputProbe(model, inputs, labels);   // [B, K]
 */
export function inputProbe(model: AttackModel, inputs: Readonly<Record<string, Tensor>>, labels: Tensor, options: InputProbeOptions = {}): Tensor {
  checkOptions('inputProbe', options, ['createGraph']);
  const createGraph = options.createGraph ?? true;
  if (typeof createGraph !== 'boolean') fail('OPTION', 'inputProbe', 'createGraph', 'true or false', createGraph);
  const names = model.modalities;
  for (const m of names) if (!inputs[m]) fail('VALUE', 'inputProbe', `inputs.${m}`, 'an input tensor for every modality', undefined);
  const xt: Record<string, Tensor> = {};
  for (const m of names) xt[m] = inputs[m].detach().requiresGrad_();
  const loss = crossEntropy(model.fuse(model.encode(xt)), labels);
  return gradientNorms(names, xt, loss, createGraph, (_m, v) => v);
}

/** [B, K]: per sample, the L2 norm of d loss / d leaves[m] (0 where unused), mapped by `scale`. */
function gradientNorms(names: readonly string[], leaves: Readonly<Record<string, Tensor>>, loss: Tensor, createGraph: boolean, scale: (m: string, v: Tensor) => Tensor): Tensor {
  const gs = grad([loss], names.map((m) => leaves[m]), { createGraph, allowUnused: true });
  const cols = names.map((m, i) => {
    const g = gs[i];
    const x = leaves[m];
    const v = g === null ? x.detach().mul(0).reshape([x.shape[0], -1]).sum(1) : rowNorms(g, 2);
    return scale(m, v).reshape([x.shape[0], 1]);
  });
  return cols.length === 1 ? cols[0] : concat(cols, 1);
}
