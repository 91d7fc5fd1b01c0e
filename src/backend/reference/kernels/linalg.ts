import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import type { Conv2dParams, MatmulParams } from '../../backend.js';

/** Batched matmul with transpose flags and batch-1 broadcasting; accumulates in float64. */
export function matmul(a: TypedArray, b: TypedArray, p: MatmulParams, dtype: DType): TypedArray {
  const { batch, m, n, k, transA, transB } = p;
  const out = allocArray(dtype, batch * m * n);
  // Element strides of op(A)[i, l] and op(B)[l, j].
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let s = 0; s < batch; s++) {
    const aBase = p.batchedA ? s * m * k : 0;
    const bBase = p.batchedB ? s * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += a[aBase + i * aRow + l * aCol] * b[bBase + l * bRow + j * bCol];
        out[(s * m + i) * n + j] = acc;
      }
    }
  }
  return out;
}

/**
 * Calls `visit(xIndex, wIndex, yIndex)` for every multiply of a grouped, strided, padded, dilated
 * 2-D convolution. The forward pass and both gradients are the same sum walked differently.
 */
function forEachConvTerm(p: Conv2dParams, visit: (xi: number, wi: number, yi: number) => void): void {
  const inPerGroup = p.inC / p.groups;
  const outPerGroup = p.outC / p.groups;
  for (let n = 0; n < p.n; n++) {
    for (let oc = 0; oc < p.outC; oc++) {
      const g = Math.floor(oc / outPerGroup);
      for (let oh = 0; oh < p.outH; oh++) {
        for (let ow = 0; ow < p.outW; ow++) {
          const yi = ((n * p.outC + oc) * p.outH + oh) * p.outW + ow;
          for (let ic = 0; ic < inPerGroup; ic++) {
            const c = g * inPerGroup + ic;
            for (let kh = 0; kh < p.kH; kh++) {
              const ih = oh * p.strideH - p.padH + kh * p.dilationH;
              if (ih < 0 || ih >= p.inH) continue;
              for (let kw = 0; kw < p.kW; kw++) {
                const iw = ow * p.strideW - p.padW + kw * p.dilationW;
                if (iw < 0 || iw >= p.inW) continue;
                visit(((n * p.inC + c) * p.inH + ih) * p.inW + iw, ((oc * inPerGroup + ic) * p.kH + kh) * p.kW + kw, yi);
              }
            }
          }
        }
      }
    }
  }
}

function rounded(acc: Float64Array, dtype: DType): TypedArray {
  const out = allocArray(dtype, acc.length);
  out.set(acc);
  return out;
}

export function conv2d(x: TypedArray, w: TypedArray, p: Conv2dParams, dtype: DType): TypedArray {
  const acc = new Float64Array(p.n * p.outC * p.outH * p.outW);
  forEachConvTerm(p, (xi, wi, yi) => { acc[yi] += x[xi] * w[wi]; });
  return rounded(acc, dtype);
}

export function conv2dGradInput(dy: TypedArray, w: TypedArray, p: Conv2dParams, dtype: DType): TypedArray {
  const acc = new Float64Array(p.n * p.inC * p.inH * p.inW);
  forEachConvTerm(p, (xi, wi, yi) => { acc[xi] += dy[yi] * w[wi]; });
  return rounded(acc, dtype);
}

export function conv2dGradFilter(x: TypedArray, dy: TypedArray, p: Conv2dParams, dtype: DType): TypedArray {
  const acc = new Float64Array(p.outC * (p.inC / p.groups) * p.kH * p.kW);
  forEachConvTerm(p, (xi, wi, yi) => { acc[wi] += x[xi] * dy[yi]; });
  return rounded(acc, dtype);
}
