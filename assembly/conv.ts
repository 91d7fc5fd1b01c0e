// 2-D convolution (NCHW, filters [outC, inC / groups, kH, kW]) and its two gradients on the
// blocked GEMM. Per image and group the column matrix is [K = Cg * kH * kW, HW = outH * outW].
// The forward pass never writes it: the GEMM packs its B panels straight from the image
// (im2col-pack.ts). Filters are packed once per group and reused for every image. 1 x 1 stride-1
// unpadded convolutions use the input itself as the column matrix.

import { ConvGeometry, readGeometry } from './conv-geometry';
import { ACCUMULATE, A_PACKED, B_IM2COL, gemm, gemmScratchBytes, packAll, packedABytes } from './gemm';
import { at } from './simd';

// @ts-ignore: decorator
@inline function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

// @ts-ignore: decorator
@inline function colBytes(c: ConvGeometry): usize {
  return c.direct ? 0 : align64((<usize>c.k * <usize>c.hw) << 2);
}

// @ts-ignore: decorator
@inline function packedBytes(c: ConvGeometry): usize {
  return align64(max<usize>(packedABytes(c.og, c.k), packedABytes(c.k, c.og)));
}

/** Bytes of scratch that the conv kernels need for parameters at `p`. */
export function convScratchBytes(p: usize): usize {
  const c = readGeometry(p);
  // The largest of the three GEMMs' scratch: [og, hw, k], [k, hw, og], [og, k, hw].
  let g = gemmScratchBytes(c.og, c.hw, c.k);
  g = max<usize>(g, gemmScratchBytes(c.k, c.hw, c.og));
  g = max<usize>(g, gemmScratchBytes(c.og, c.k, c.hw));
  return packedBytes(c) + colBytes(c) + g + 64;
}

/** Column matrix of the image group at `x` (Cg channels): col[K, HW]. */
function im2col(c: ConvGeometry, x: usize, col: usize): void {
  const plane = c.inH * c.inW;
  let row = 0;
  for (let ch = 0; ch < c.cg; ch++) {
    const xc = at(x, ch * plane);
    for (let kh = 0; kh < c.kH; kh++) {
      for (let kw = 0; kw < c.kW; kw++) {
        let dst = at(col, row * c.hw);
        for (let oh = 0; oh < c.outH; oh++) {
          const ih = oh * c.sH - c.pH + kh * c.dH;
          if (ih < 0 || ih >= c.inH) {
            memory.fill(dst, 0, <usize>c.outW << 2);
            dst += <usize>c.outW << 2;
            continue;
          }
          const xr = at(xc, ih * c.inW);
          const iw0 = kw * c.dW - c.pW;
          if (c.sW == 1 && iw0 >= 0 && iw0 + c.outW <= c.inW) {
            memory.copy(dst, at(xr, iw0), <usize>c.outW << 2);
            dst += <usize>c.outW << 2;
            continue;
          }
          for (let ow = 0; ow < c.outW; ow++) {
            const iw = ow * c.sW + iw0;
            store<f32>(dst, iw >= 0 && iw < c.inW ? load<f32>(at(xr, iw)) : 0);
            dst += 4;
          }
        }
        row++;
      }
    }
  }
}

/** Adds the column matrix col[K, HW] back into the image group at `dx` (Cg channels). */
function col2im(c: ConvGeometry, col: usize, dx: usize): void {
  const plane = c.inH * c.inW;
  let row = 0;
  for (let ch = 0; ch < c.cg; ch++) {
    const xc = at(dx, ch * plane);
    for (let kh = 0; kh < c.kH; kh++) {
      for (let kw = 0; kw < c.kW; kw++) {
        let src = at(col, row * c.hw);
        for (let oh = 0; oh < c.outH; oh++) {
          const ih = oh * c.sH - c.pH + kh * c.dH;
          if (ih < 0 || ih >= c.inH) {
            src += <usize>c.outW << 2;
            continue;
          }
          const xr = at(xc, ih * c.inW);
          const iw0 = kw * c.dW - c.pW;
          let ow = 0;
          if (ASC_FEATURE_SIMD) {
            if (c.sW == 1 && iw0 >= 0 && iw0 + c.outW <= c.inW) {
              const d = at(xr, iw0);
              for (; ow + 4 <= c.outW; ow += 4) {
                const o = <usize>ow << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
              }
            }
          }
          for (; ow < c.outW; ow++) {
            const iw = ow * c.sW + iw0;
            if (iw >= 0 && iw < c.inW) {
              const a = at(xr, iw);
              store<f32>(a, load<f32>(a) + load<f32>(src + (<usize>ow << 2)));
            }
          }
          src += <usize>c.outW << 2;
        }
        row++;
      }
    }
  }
}

/** y = conv2d(x, w). */
export function conv2d(x: usize, w: usize, y: usize, p: usize, scratch: usize): void {
  const c = readGeometry(p);
  const packed = align64(scratch);
  const gs = packed + packedBytes(c);
  const plane = c.inH * c.inW;
  for (let g = 0; g < c.groups; g++) {
    // W_g [og, K], packed once for all images.
    packAll(c.og, c.k, at(w, g * c.og * c.k), c.k, 1, packed);
    for (let n = 0; n < c.n; n++) {
      const xg = at(x, (n * c.inC + g * c.cg) * plane);
      const yg = at(y, (n * c.outC + g * c.og) * c.hw);
      if (c.direct) gemm(c.og, c.hw, c.k, packed, 0, 0, xg, c.hw, 1, yg, c.hw, A_PACKED, gs);
      else gemm(c.og, c.hw, c.k, packed, 0, 0, xg, 0, 0, yg, c.hw, A_PACKED | B_IM2COL, gs);
    }
  }
}

/** dx = d conv2d / d x applied to dy. */
export function conv2dGradInput(dy: usize, w: usize, dx: usize, p: usize, scratch: usize): void {
  const c = readGeometry(p);
  const packed = align64(scratch);
  const col = packed + packedBytes(c);
  const gs = col + colBytes(c);
  const plane = c.inH * c.inW;
  if (!c.direct) memory.fill(dx, 0, (<usize>c.n * <usize>c.inC * <usize>plane) << 2);
  for (let g = 0; g < c.groups; g++) {
    // W_g^T [K, og], packed once for all images.
    packAll(c.k, c.og, at(w, g * c.og * c.k), 1, c.k, packed);
    for (let n = 0; n < c.n; n++) {
      const dxg = at(dx, (n * c.inC + g * c.cg) * plane);
      // dcol[K, HW] = W_g^T [K, og] dy_g [og, HW]
      const target = c.direct ? dxg : col;
      gemm(c.k, c.hw, c.og, packed, 0, 0, at(dy, (n * c.outC + g * c.og) * c.hw), c.hw, 1, target, c.hw, A_PACKED, gs);
      if (!c.direct) col2im(c, col, dxg);
    }
  }
}

/** dw = d conv2d / d w applied to dy, summed over the batch. */
export function conv2dGradFilter(x: usize, dy: usize, dw: usize, p: usize, scratch: usize): void {
  const c = readGeometry(p);
  const col = align64(scratch) + packedBytes(c);
  const gs = col + colBytes(c);
  const plane = c.inH * c.inW;
  if (c.n == 0) memory.fill(dw, 0, (<usize>c.outC * <usize>c.k) << 2);
  for (let n = 0; n < c.n; n++) {
    for (let g = 0; g < c.groups; g++) {
      const xg = at(x, (n * c.inC + g * c.cg) * plane);
      let b = xg;
      if (!c.direct) {
        im2col(c, xg, col);
        b = col;
      }
      // dW_g[og, K] += dy_g [og, HW] col^T [HW, K]
      gemm(c.og, c.k, c.hw, at(dy, (n * c.outC + g * c.og) * c.hw), c.hw, 1, b, 1, c.hw,
        at(dw, g * c.og * c.k), c.k, n > 0 ? ACCUMULATE : 0, gs);
    }
  }
}

