import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';

/**
 * Computes the gradients of one op's inputs from the gradient `g` of its output. `needs[i]` says
 * whether input i needs a gradient (others may be returned as null). Written with the public ops,
 * so that with `createGraph` the backward pass is itself recorded and can be differentiated again.
 */
export type GradFn = (g: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

/**
 * How a tensor was made, recorded when one of its inputs requires grad. A node belongs to its
 * output tensor and lives as long as it does; it holds references to its inputs and to any extra
 * tensors its gradient needs (`saved`), so that those outlive `tidy` and `dispose` for as long as
 * the graph does. This is the tape: the nodes reachable from a tensor are its history.
 */
export interface GradNode {
  readonly op: string;
  inputs: Tensor[];
  saved: Tensor[];
  gradFn: GradFn | null;
  /** Set once `grad()` ran through this node without `retainGraph`. */
  freed: boolean;
}

/** Whether an op on these inputs must be recorded. */
export function needsRecord(inputs: readonly Tensor[]): boolean {
  return engine.gradEnabled && inputs.some((t) => t.requiresGrad);
}

/**
 * Attaches a gradient node to `output` when any input requires grad (and grad mode is on).
 * Non-differentiable ops pass `gradFn = null`: the output then does not require grad, but it
 * remembers the op so that asking for a gradient through it gives a clear error.
 */
export function record(op: string, inputs: Tensor[], output: Tensor, gradFn: GradFn | null, saved: Tensor[] = []): Tensor {
  // Under noGrad (and inside gradient functions' masks) results are constants by intent.
  if (!engine.gradEnabled) return output;
  if (gradFn === null) {
    const barrier = inputs.find((t) => t.requiresGrad || t.barrier !== null);
    if (barrier) output.barrier = barrier.requiresGrad ? op : barrier.barrier;
    return output;
  }
  if (!needsRecord(inputs)) {
    // A tensor derived from a non-differentiable result keeps the name of the op that cut the graph.
    output.barrier = inputs.find((t) => t.barrier !== null)?.barrier ?? null;
    return output;
  }
  for (const t of inputs) t.retain();
  for (const t of saved) t.retain();
  output.node = { op, inputs, saved, gradFn, freed: false };
  return output;
}

/** Drops a node's references (when its output is freed, or after a backward pass without retainGraph). */
export function releaseNode(node: GradNode): void {
  if (node.freed) return;
  node.freed = true;
  const held = [...node.inputs, ...node.saved];
  node.inputs = [];
  node.saved = [];
  node.gradFn = null;
  for (const t of held) t.release();
}
