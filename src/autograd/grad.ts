import { engine } from '../engine.js';
import { VarmatError, checkOptions, fail } from '../errors.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add } from '../ops/elementwise.js';
import { onesLike } from '../ops/creation.js';
import { keep } from '../memory.js';
import { releaseNode } from './tape.js';

/** Options of `grad`. */
export interface GradOptions {
  /** Gradients of the outputs (default: ones; required for non-scalar outputs). */
  gradOutputs?: readonly Tensor[];
  /**
   * Record the backward pass so that the returned gradients are differentiable again (gradient
   * penalties, Hessian-vector products). Default false.
   */
  createGraph?: boolean;
  /** Keep the graph for another backward pass. Default: the value of `createGraph`. */
  retainGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. Default false. */
  allowUnused?: boolean;
}

/**
 * Runs `fn` with gradient recording off: nothing inside is put on the tape. `fn` must be
 * synchronous.
 *
 * @example
 * const logits = vm.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}

/** Tensors that lie on a recorded path from `outputs` to one of `targets`, in topological order. */
function pathToTargets(outputs: readonly Tensor[], targets: ReadonlySet<Tensor>): Tensor[] {
  const reaches = new Map<Tensor, boolean>();
  const order: Tensor[] = [];
  // Iterative post-order DFS: deep graphs (long PGD loops) must not overflow the stack.
  const stack: [Tensor, number][] = outputs.map((t) => [t, 0]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0 && reaches.has(t)) {
      stack.pop();
      continue;
    }
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      if (!reaches.has(inputs[i])) stack.push([inputs[i], 0]);
      continue;
    }
    stack.pop();
    if (reaches.has(t)) continue;
    // A freed node is kept on the path so that the walk reports it instead of a missing gradient.
    const r = targets.has(t) || t.node?.freed === true || inputs.some((x) => reaches.get(x) === true);
    reaches.set(t, r);
    if (r) order.push(t);
  }
  return order;
}

/** Explains why `input` got no gradient from `outputs`. */
function unreachable(outputs: readonly Tensor[], index: number): never {
  const cut = outputs.find((o) => o.barrier !== null);
  const why = cut
    ? `the output was computed through '${cut.barrier}', which is not differentiable`
    : 'the outputs do not depend on it through differentiable ops (was it detached, or used under noGrad?)';
  throw new VarmatError('NOT_DIFFERENTIABLE', 'grad', `input ${index} received no gradient: ${why}; pass allowUnused: true to get null instead`);
}

/**
 * Gradients of the sum of `outputs` with respect to each of `inputs` (reverse mode over the tape).
 * With `createGraph`, the gradients are themselves on the tape and can be differentiated again.
 *
 * @example
 * const [gw] = vm.grad([loss], [w], { createGraph: true });
 * const penalty = vm.rowNorms(gw, 2).sum();    // differentiable gradient-norm penalty
 */
export function grad(outputs: readonly Tensor[], inputs: readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  checkOptions('grad', options, ['gradOutputs', 'createGraph', 'retainGraph', 'allowUnused']);
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  outputs.forEach((o, i) => {
    if (!(o instanceof Tensor)) fail('VALUE', 'grad', `outputs[${i}]`, 'a Tensor', o);
    o.assertUsable('grad');
  });
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail('VALUE', 'grad', `inputs[${i}]`, 'a Tensor', x);
    x.assertUsable('grad');
    if (!x.requiresGrad) {
      throw new VarmatError('GRAD', 'grad', `inputs[${i}] does not require grad; call requiresGrad_() on it before computing with it`);
    }
  });
  const seeds = options.gradOutputs;
  if (seeds !== undefined && seeds.length !== outputs.length) {
    fail('VALUE', 'grad', 'gradOutputs', `${outputs.length} tensors (one per output)`, `${seeds.length}`);
  }
  outputs.forEach((o, i) => {
    const s = seeds?.[i];
    if (s === undefined && o.size !== 1) fail('SHAPE', 'grad', `outputs[${i}]`, 'a scalar, or gradOutputs', o.shape);
    if (s !== undefined && !sameShape(s.shape, o.shape)) fail('SHAPE', 'grad', `gradOutputs[${i}]`, `shape [${o.shape.join(', ')}]`, s.shape);
  });

  const targets = new Set(inputs);
  const order = pathToTargets(outputs, targets);
  const onPath = new Set(order);
  // The walk holds every tensor on the path so that freeing nodes as it goes cannot free a tensor
  // whose own node has still to run.
  for (const t of order) t.retain();

  const prevGrad = engine.gradEnabled;
  const prevBackward = engine.inBackward;
  engine.gradEnabled = createGraph;
  engine.inBackward = true;
  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    if (!sameShape(g.shape, t.shape)) {
      throw new VarmatError('GRAD', 'grad', `internal: gradient of shape [${g.shape.join(', ')}] for a tensor of shape [${t.shape.join(', ')}]`);
    }
    const prev = grads.get(t);
    if (prev === undefined) {
      grads.set(t, g);
      return;
    }
    grads.set(t, add(prev, g));
    prev.dispose();
    g.dispose();
  };
  let results: (Tensor | null)[] = [];
  engine.scopes.push(new Set());
  try {
    outputs.forEach((o, i) => {
      if (onPath.has(o)) accumulate(o, seeds?.[i] ? seeds[i].mul(1) : onesLike(o));
    });
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      const node = t.node;
      if (g === undefined || node === null) continue;
      if (node.freed) {
        throw new VarmatError('GRAD', 'grad', `the graph through '${node.op}' was already freed by an earlier backward pass; pass retainGraph: true to the first one`);
      }
      if (node.gradFn === null) continue;
      const needs = node.inputs.map((x) => onPath.has(x));
      const inputGrads = node.gradFn(g, needs);
      // Gradient functions may hand the same tensor to several inputs (add returns [g, g]);
      // each input gets its own handle so that disposing one leaves the others intact.
      const handedOut = new Set<Tensor>([g]);
      node.inputs.forEach((x, j) => {
        let gx = inputGrads[j];
        if (!needs[j] || !gx) return; // anything unused is freed with the walk's scope
        if (handedOut.has(gx)) gx = gx.reshape(gx.shape);
        handedOut.add(gx);
        accumulate(x, gx);
      });
      if (!targets.has(t)) {
        grads.delete(t);
        g.dispose();
      }
      if (!retainGraph) releaseNode(node);
    }
    results = inputs.map((x, i) => {
      const g = grads.get(x);
      if (g === undefined) {
        if (options.allowUnused) return null;
        unreachable(outputs, i);
      }
      return g;
    });
  } finally {
    const scope = engine.scopes.pop()!;
    engine.gradEnabled = prevGrad;
    engine.inBackward = prevBackward;
    for (const t of order) t.release();
    // Everything made during the walk is freed except the results (graph nodes keep what they need).
    const kept = new Set(results);
    for (const t of scope) if (!kept.has(t)) t.dispose();
  }
  for (const r of results) if (r) engine.scopes[engine.scopes.length - 1]?.add(r);
  return results;
}

/**
 * Back-propagates from `output` into the `.grad` of every leaf that requires grad (accumulating,
 * as PyTorch does). `.grad` tensors are kept out of `tidy` scopes; `zeroGrad` or disposing the leaf
 * frees them.
 */
export function backward(output: Tensor, gradOutput?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  checkOptions('backward', options, ['retainGraph', 'createGraph']);
  output.assertUsable('backward');
  if (!output.requiresGrad) {
    const why = output.barrier ? `it was computed through '${output.barrier}', which is not differentiable` : 'nothing it depends on requires grad';
    throw new VarmatError('NOT_DIFFERENTIABLE', 'backward', `cannot back-propagate: ${why}`);
  }
  const leaves = collectLeaves(output);
  const grads = grad([output], leaves, {
    gradOutputs: gradOutput ? [gradOutput] : undefined,
    createGraph: options.createGraph ?? false,
    retainGraph: options.retainGraph,
  });
  leaves.forEach((leaf, i) => {
    const g = grads[i]!;
    keep(g);
    if (leaf.grad === null) {
      leaf.grad = g;
    } else {
      const prev = leaf.grad;
      leaf.grad = keep(add(prev, g));
      prev.dispose();
      g.dispose();
    }
  });
}

function collectLeaves(output: Tensor): Tensor[] {
  const leaves: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack = [output];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.node === null) {
      if (t.requiresGrad) leaves.push(t);
    } else {
      stack.push(...t.node.inputs);
    }
  }
  return leaves;
}
