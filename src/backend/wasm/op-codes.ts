import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';

/** Unary op codes of the kernels module (assembly/elementwise.ts). */
export const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, sqrt: 6, rsqrt: 7, square: 8, reciprocal: 9,
  tanh: 10, sigmoid: 11, relu: 12, gelu: 13, erf: 14, sin: 15, cos: 16, floor: 17, isnan: 18,
  normcdf: 19, normpdf: 20,
};

/** Binary op codes of the kernels module (assembly/elementwise.ts). */
export const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6,
  eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
};

/** Reduction op codes of the kernels module (assembly/reduce.ts). */
export const REDUCE_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };
