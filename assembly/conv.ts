// 2-D convolution (NCHW, filters [outC, inC / groups, kH, kW]) and its two gradients on the
// blocked GEMM. Per image and group the column matrix is [K = Cg * kH * kW, HW = outH * outW].
// The forward pass never writes it: the GEMM packs its B panels straight from the image
// (im2col-pack.ts). Filters are packed once per group and reused for every image. 1 x 1 stride-1
// unpadded convolutions use the input itself as the column matrix.

import { ConvGeometry, readGeometry } from './conv-geometry';
import { ACCUMULATE, A_PACKED, B_IM2COL, KC, gemm, gemmScratchBytes, packAll, packedABytes } from './gemm';
import { at } from './simd';

// @ts-ignore: decorator
@inline function align64(x: usize): usize {
  return (x + 63) & ~(<usize>63);
}

/**
 * Images per GEMM in the filter gradient: enough that the GEMM's depth (images x HW) fills a
 * packed block, so small images do not each pay a GEMM's fixed costs.
 */
// @ts-ignore: decorator
@inline function imagesPerGemm(c: ConvGeometry): i32 {
  return max<i32>(1, min<i32>(c.n, (512 + c.hw - 1) / max<i32>(c.hw, 1)));
}

// @ts-ignore: decorator
@inline function colBytes(c: ConvGeometry): usize {
  // The input gradient needs one image's columns; the filter gradient a batch of images' columns
  // and their output gradients side by side.
  const one = c.direct ? 0 : (<usize>c.k * <usize>c.hw) << 2;
  const batch = (<usize>(c.k + c.og) * <usize>c.hw * <usize>imagesPerGemm(c)) << 2;
  return align64(max<usize>(one, batch));
}

// @ts-ignore: decorator
@inline function packedBytes(c: ConvGeometry): usize {
  return align64(max<usize>(packedABytes(c.og, c.k), packedABytes(c.k, c.og)));
}

/** Bytes of scratch that the conv kernels need for parameters at `p`. */
export function convScratchBytes(p: usize): usize {
  const c = readGeometry(p);
  // The largest of the three GEMMs' scratch: [og, hw, k], [k, hw, og], [og, k, images * hw].
  // The filter gradient's last GEMM may have fewer images, and a shallower GEMM can use a deeper
  // depth block (one block of up to KC instead of two halves): size for the deepest block any
  // depth up to images * hw can take.
  let g = gemmScratchBytes(c.og, c.hw, c.k);
  g = max<usize>(g, gemmScratchBytes(c.k, c.hw, c.og));
  g = max<usize>(g, gemmScratchBytes(c.og, c.k, min<i32>(c.hw * imagesPerGemm(c), KC)));
  return packedBytes(c) + colBytes(c) + g + 64;
}

/** Column matrix of the image group at `x` (Cg channels): col[K, HW], rows `ld` elements apart. */
function im2col(c: ConvGeometry, x: usize, col: usize, ld: i32): void {
  const plane = c.inH * c.inW;
  let row = 0;
  for (let ch = 0; ch < c.cg; ch++) {
    const xc = at(x, ch * plane);
    for (let kh = 0; kh < c.kH; kh++) {
      for (let kw = 0; kw < c.kW; kw++) {
        let dst = at(col, row * ld);
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

/**
 * dw = d conv2d / d w applied to dy, summed over the batch. Several images share one GEMM: their
 * columns sit side by side in col[K, images * HW] and their output gradients in dyc[og, images *
 * HW], so dW_g += dyc col^T has depth images * HW.
 */
export function conv2dGradFilter(x: usize, dy: usize, dw: usize, p: usize, scratch: usize): void {
  const c = readGeometry(p);
  const col = align64(scratch) + packedBytes(c);
  const gs = col + colBytes(c);
  const plane = c.inH * c.inW;
  const per = imagesPerGemm(c);
  if (c.n == 0) memory.fill(dw, 0, (<usize>c.outC * <usize>c.k) << 2);
  for (let n0 = 0; n0 < c.n; n0 += per) {
    const count = min<i32>(per, c.n - n0);
    const depth = count * c.hw;
    const cols = col;
    const dyc = col + ((<usize>c.k * <usize>depth) << 2);
    for (let g = 0; g < c.groups; g++) {
      for (let i = 0; i < count; i++) {
        const n = n0 + i;
        const xg = at(x, (n * c.inC + g * c.cg) * plane);
        if (c.direct) {
          for (let ch = 0; ch < c.k; ch++) memory.copy(at(cols, ch * depth + i * c.hw), at(xg, ch * plane), <usize>c.hw << 2);
        } else {
          im2col(c, xg, at(cols, i * c.hw), depth);
        }
        const dyg = at(dy, (n * c.outC + g * c.og) * c.hw);
        for (let o = 0; o < c.og; o++) memory.copy(at(dyc, o * depth + i * c.hw), at(dyg, o * c.hw), <usize>c.hw << 2);
      }
      // dW_g[og, K] += dyc [og, depth] cols^T [depth, K]
      gemm(c.og, c.k, depth, dyc, depth, 1, cols, 1, depth, at(dw, g * c.og * c.k), c.k, n0 > 0 ? ACCUMULATE : 0, gs);
    }
  }
}
