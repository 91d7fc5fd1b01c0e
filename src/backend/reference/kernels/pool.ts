import { allocArray, type DType, type TypedArray } from '../../../dtype.js';
import type { Pool2dParams } from '../../backend.js';

/** Calls `visitOut(yIndex, window, kH * kW)` per output, `window` holding the in-bounds input indices. */
function forEachWindow(p: Pool2dParams, visitOut: (yi: number, window: number[], count: number) => void): void {
  const window: number[] = [];
  for (let nc = 0; nc < p.n * p.c; nc++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        window.length = 0;
        for (let kh = 0; kh < p.kH; kh++) {
          const ih = oh * p.strideH - p.padH + kh;
          if (ih < 0 || ih >= p.inH) continue;
          for (let kw = 0; kw < p.kW; kw++) {
            const iw = ow * p.strideW - p.padW + kw;
            if (iw >= 0 && iw < p.inW) window.push((nc * p.inH + ih) * p.inW + iw);
          }
        }
        visitOut((nc * p.outH + oh) * p.outW + ow, window, p.kH * p.kW);
      }
    }
  }
}

export function maxPool2d(x: TypedArray, p: Pool2dParams, dtype: DType): { values: TypedArray; indices: Int32Array } {
  const size = p.n * p.c * p.outH * p.outW;
  const values = allocArray(dtype, size);
  const indices = new Int32Array(size);
  forEachWindow(p, (yi, window) => {
    let best = window[0];
    for (const xi of window) {
      if (Number.isNaN(x[best])) break;
      if (Number.isNaN(x[xi]) || x[xi] > x[best]) best = xi;
    }
    values[yi] = x[best];
    indices[yi] = best;
  });
  return { values, indices };
}

export function avgPool2d(x: TypedArray, p: Pool2dParams, dtype: DType): TypedArray {
  const out = allocArray(dtype, p.n * p.c * p.outH * p.outW);
  forEachWindow(p, (yi, window, count) => {
    let s = 0;
    for (const xi of window) s += x[xi];
    out[yi] = s / count;
  });
  return out;
}

export function avgPool2dBackward(dy: TypedArray, p: Pool2dParams, dtype: DType): TypedArray {
  const acc = new Float64Array(p.n * p.c * p.inH * p.inW);
  forEachWindow(p, (yi, window, count) => {
    for (const xi of window) acc[xi] += dy[yi] / count;
  });
  const out = allocArray(dtype, acc.length);
  out.set(acc);
  return out;
}
