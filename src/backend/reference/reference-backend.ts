import { allocArray, bytesPerElement, type DType, type TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import type {
  AdamParams, Backend, BinaryOp, Conv2dParams, DataHandle, MatmulParams, NormOrder, Pool2dParams, ReduceOp, UnaryOp,
} from '../backend.js';
import * as ew from './kernels/elementwise.js';
import * as linalg from './kernels/linalg.js';
import * as mv from './kernels/movement.js';
import * as optim from './kernels/optim.js';
import * as pool from './kernels/pool.js';
import * as red from './kernels/reduce.js';
import * as rows from './kernels/rows.js';

/** Reference storage: a plain typed array. */
export interface ArrayHandle extends DataHandle {
  readonly data: TypedArray;
}

function wrap(data: TypedArray, dtype: DType): ArrayHandle {
  return { data, dtype, size: data.length };
}

/**
 * The reference backend: simple loops over typed arrays, float64 available. Readable over fast;
 * it defines the semantics that the other backends are tested against.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;
  private bytes = 0;

  describe(): string {
    return 'reference (plain TypeScript, float32 and float64)';
  }

  supports(_dtype: DType): boolean {
    return true;
  }

  private own(data: TypedArray, dtype: DType): ArrayHandle {
    this.bytes += data.length * bytesPerElement(dtype);
    return wrap(data, dtype);
  }

  private arr(h: DataHandle): TypedArray {
    return (h as ArrayHandle).data;
  }

  upload(values: TypedArray, dtype: DType): DataHandle {
    const data = allocArray(dtype, values.length);
    data.set(values);
    return this.own(data, dtype);
  }

  fill(size: number, dtype: DType, value: number): DataHandle {
    return this.own(allocArray(dtype, size).fill(value), dtype);
  }

  async read(h: DataHandle): Promise<TypedArray> {
    return this.readSync(h);
  }

  readSync(h: DataHandle): TypedArray {
    return this.arr(h).slice();
  }

  release(h: DataHandle): void {
    this.bytes -= h.size * bytesPerElement(h.dtype);
  }

  bytesInUse(): number {
    return this.bytes;
  }

  cast(x: DataHandle, dtype: DType): DataHandle {
    const src = this.arr(x);
    const data = allocArray(dtype, src.length);
    if (dtype === 'int32') for (let i = 0; i < src.length; i++) data[i] = Math.trunc(src[i]);
    else data.set(src);
    return this.own(data, dtype);
  }

  unary(op: UnaryOp, x: DataHandle): DataHandle {
    return this.own(ew.unary(op, this.arr(x), x.dtype), x.dtype);
  }

  geluBackward(g: DataHandle, x: DataHandle, cdf: DataHandle): DataHandle {
    return this.own(ew.geluBackward(this.arr(g), this.arr(x), this.arr(cdf), x.dtype), x.dtype);
  }

  adamStep(param: DataHandle, grad: DataHandle, m: DataHandle, v: DataHandle, p: AdamParams): { param: DataHandle; m: DataHandle; v: DataHandle } {
    const r = optim.adamStep(this.arr(param), this.arr(grad), this.arr(m), this.arr(v), p, param.dtype);
    return { param: this.own(r.param, param.dtype), m: this.own(r.m, param.dtype), v: this.own(r.v, param.dtype) };
  }

  clip(x: DataHandle, lo: number, hi: number): DataHandle {
    return this.own(ew.clip(this.arr(x), x.dtype, lo, hi), x.dtype);
  }

  binary(op: BinaryOp, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape): DataHandle {
    return this.own(ew.binary(op, this.arr(a), aShape, this.arr(b), bShape, outShape, a.dtype), a.dtype);
  }

  where(
    cond: DataHandle, condShape: Shape, a: DataHandle, aShape: Shape, b: DataHandle, bShape: Shape, outShape: Shape,
  ): DataHandle {
    const data = ew.where(this.arr(cond), condShape, this.arr(a), aShape, this.arr(b), bShape, outShape, a.dtype);
    return this.own(data, a.dtype);
  }

  reduce(op: ReduceOp, x: DataHandle, shape: Shape, axes: readonly number[]): DataHandle {
    return this.own(red.reduce(op, this.arr(x), shape, axes, x.dtype), x.dtype);
  }

  argReduce(op: 'argmax' | 'argmin', x: DataHandle, shape: Shape, axis: number): DataHandle {
    return this.own(red.argReduce(op, this.arr(x), shape, axis), 'int32');
  }

  stridedCopy(x: DataHandle, outShape: Shape, strides: readonly number[], offset: number): DataHandle {
    return this.own(mv.stridedCopy(this.arr(x), outShape, strides, offset, x.dtype), x.dtype);
  }

  pad(x: DataHandle, shape: Shape, pads: readonly (readonly [number, number])[], value: number): DataHandle {
    return this.own(mv.pad(this.arr(x), shape, pads, value, x.dtype), x.dtype);
  }

  concat(xs: readonly { h: DataHandle; shape: Shape }[], axis: number): DataHandle {
    const dtype = xs[0].h.dtype;
    return this.own(mv.concat(xs.map((x) => ({ data: this.arr(x.h), shape: x.shape })), axis, dtype), dtype);
  }

  gather(x: DataHandle, shape: Shape, indices: DataHandle, _indicesSize: number, axis: number): DataHandle {
    return this.own(mv.gather(this.arr(x), shape, this.arr(indices) as Int32Array, axis, x.dtype), x.dtype);
  }

  scatterAdd(g: DataHandle, indices: DataHandle, _indicesSize: number, outShape: Shape, axis: number): DataHandle {
    return this.own(mv.scatterAdd(this.arr(g), this.arr(indices) as Int32Array, outShape, axis, g.dtype), g.dtype);
  }

  oneHot(indices: DataHandle, _size: number, depth: number, dtype: DType): DataHandle {
    return this.own(mv.oneHot(this.arr(indices) as Int32Array, depth, dtype), dtype);
  }

  matmul(a: DataHandle, b: DataHandle, p: MatmulParams): DataHandle {
    return this.own(linalg.matmul(this.arr(a), this.arr(b), p, a.dtype), a.dtype);
  }

  conv2d(x: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    return this.own(linalg.conv2d(this.arr(x), this.arr(w), p, x.dtype), x.dtype);
  }

  conv2dGradInput(dy: DataHandle, w: DataHandle, p: Conv2dParams): DataHandle {
    return this.own(linalg.conv2dGradInput(this.arr(dy), this.arr(w), p, dy.dtype), dy.dtype);
  }

  conv2dGradFilter(x: DataHandle, dy: DataHandle, p: Conv2dParams): DataHandle {
    return this.own(linalg.conv2dGradFilter(this.arr(x), this.arr(dy), p, x.dtype), x.dtype);
  }

  maxPool2d(x: DataHandle, p: Pool2dParams): { values: DataHandle; indices: DataHandle } {
    const { values, indices } = pool.maxPool2d(this.arr(x), p, x.dtype);
    return { values: this.own(values, x.dtype), indices: this.own(indices, 'int32') };
  }

  avgPool2d(x: DataHandle, p: Pool2dParams): DataHandle {
    return this.own(pool.avgPool2d(this.arr(x), p, x.dtype), x.dtype);
  }

  avgPool2dBackward(dy: DataHandle, p: Pool2dParams): DataHandle {
    return this.own(pool.avgPool2dBackward(this.arr(dy), p, dy.dtype), dy.dtype);
  }

  softmax(x: DataHandle, r: number, c: number): DataHandle {
    return this.own(rows.softmax(this.arr(x), r, c, x.dtype), x.dtype);
  }

  logSoftmax(x: DataHandle, r: number, c: number): DataHandle {
    return this.own(rows.logSoftmax(this.arr(x), r, c, x.dtype), x.dtype);
  }

  layerNorm(x: DataHandle, gamma: DataHandle, beta: DataHandle, r: number, c: number, eps: number): DataHandle {
    return this.own(rows.layerNorm(this.arr(x), this.arr(gamma), this.arr(beta), r, c, eps, x.dtype), x.dtype);
  }

  layerNormBackward(x: DataHandle, gamma: DataHandle, g: DataHandle, r: number, c: number, eps: number): [DataHandle, DataHandle] {
    const [dx, gxhat] = rows.layerNormBackward(this.arr(x), this.arr(gamma), this.arr(g), r, c, eps, x.dtype);
    return [this.own(dx, x.dtype), this.own(gxhat, x.dtype)];
  }

  rowNorms(x: DataHandle, r: number, c: number, p: NormOrder): DataHandle {
    return this.own(rows.rowNorms(this.arr(x), r, c, p, x.dtype), x.dtype);
  }
}
