// 2-D convolution (NCHW, filters [outC, inC / groups, kH, kW]) and its two gradients, by im2col
// and the blocked GEMM. Per image and group, the column matrix is [K = Cg * kH * kW, HW = outH *
// outW]; 1 x 1 stride-1 unpadded convolutions use the input itself as that matrix.
//
// Parameters arrive as i32 in the order of Conv2dParams: n, inC, inH, inW, outC, kH, kW, strideH,
// strideW, padH, padW, dilationH, dilationW, groups, outH, outW.

import { gemm, gemmScratchBytes } from './gemm';
import { at } from './simd';

class Conv {
  n: i32 = 0; inC: i32 = 0; inH: i32 = 0; inW: i32 = 0; outC: i32 = 0; kH: i32 = 0; kW: i32 = 0;
  sH: i32 = 0; sW: i32 = 0; pH: i32 = 0; pW: i32 = 0; dH: i32 = 0; dW: i32 = 0; groups: i32 = 0;
  outH: i32 = 0; outW: i32 = 0;
  cg: i32 = 0; og: i32 = 0; k: i32 = 0; hw: i32 = 0; direct: bool = false;
}

// One statically allocated parameter record (the stub runtime never frees, so avoid `new`).
const C = changetype<Conv>(memory.data(offsetof<Conv>(), 8));

function readParams(p: usize): Conv {
  C.n = load<i32>(p); C.inC = load<i32>(p, 4); C.inH = load<i32>(p, 8); C.inW = load<i32>(p, 12);
  C.outC = load<i32>(p, 16); C.kH = load<i32>(p, 20); C.kW = load<i32>(p, 24);
  C.sH = load<i32>(p, 28); C.sW = load<i32>(p, 32); C.pH = load<i32>(p, 36); C.pW = load<i32>(p, 40);
  C.dH = load<i32>(p, 44); C.dW = load<i32>(p, 48); C.groups = load<i32>(p, 52);
  C.outH = load<i32>(p, 56); C.outW = load<i32>(p, 60);
  C.cg = C.inC / C.groups;
  C.og = C.outC / C.groups;
  C.k = C.cg * C.kH * C.kW;
  C.hw = C.outH * C.outW;
  C.direct = C.kH == 1 && C.kW == 1 && C.sH == 1 && C.sW == 1 && C.pH == 0 && C.pW == 0
    && C.outH == C.inH && C.outW == C.inW;
  return C;
}

/** Bytes of scratch that the conv kernels need for parameters at `p`. */
export function convScratchBytes(p: usize): usize {
  const c = readParams(p);
  const col: usize = c.direct ? 0 : (<usize>c.k * <usize>c.hw) << 2;
  // The largest of the three GEMMs' scratch: [og, hw, k], [k, hw, og], [og, k, hw].
  let g = gemmScratchBytes(c.og, c.hw, c.k);
  g = max<usize>(g, gemmScratchBytes(c.k, c.hw, c.og));
  g = max<usize>(g, gemmScratchBytes(c.og, c.k, c.hw));
  return ((col + 63) & ~(<usize>63)) + g;
}

/** Column matrix of image plane group starting at `x` (Cg channels): col[K, HW]. */
function im2col(c: Conv, x: usize, col: usize): void {
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

/** Adds the column matrix col[K, HW] back into image plane group `dx` (Cg channels). */
function col2im(c: Conv, col: usize, dx: usize): void {
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
  const c = readParams(p);
  const col = scratch;
  const gs = c.direct ? scratch : scratch + ((((<usize>c.k * <usize>c.hw) << 2) + 63) & ~(<usize>63));
  const plane = c.inH * c.inW;
  for (let n = 0; n < c.n; n++) {
    for (let g = 0; g < c.groups; g++) {
      const xg = at(x, (n * c.inC + g * c.cg) * plane);
      let b = xg;
      if (!c.direct) {
        im2col(c, xg, col);
        b = col;
      }
      gemm(c.og, c.hw, c.k, at(w, g * c.og * c.k), c.k, 1, b, c.hw, 1,
        at(y, (n * c.outC + g * c.og) * c.hw), c.hw, false, gs);
    }
  }
}

/** dx = d conv2d / d x applied to dy. */
export function conv2dGradInput(dy: usize, w: usize, dx: usize, p: usize, scratch: usize): void {
  const c = readParams(p);
  const col = scratch;
  const gs = c.direct ? scratch : scratch + ((((<usize>c.k * <usize>c.hw) << 2) + 63) & ~(<usize>63));
  const plane = c.inH * c.inW;
  if (!c.direct) memory.fill(dx, 0, (<usize>c.n * <usize>c.inC * <usize>plane) << 2);
  for (let n = 0; n < c.n; n++) {
    for (let g = 0; g < c.groups; g++) {
      const dxg = at(dx, (n * c.inC + g * c.cg) * plane);
      // dcol[K, HW] = W_g^T [K, og] dy_g [og, HW]
      const target = c.direct ? dxg : col;
      gemm(c.k, c.hw, c.og, at(w, g * c.og * c.k), 1, c.k, at(dy, (n * c.outC + g * c.og) * c.hw), c.hw, 1,
        target, c.hw, false, gs);
      if (!c.direct) col2im(c, col, dxg);
    }
  }
}

/** dw = d conv2d / d w applied to dy, summed over the batch. */
export function conv2dGradFilter(x: usize, dy: usize, dw: usize, p: usize, scratch: usize): void {
  const c = readParams(p);
  const col = scratch;
  const gs = c.direct ? scratch : scratch + ((((<usize>c.k * <usize>c.hw) << 2) + 63) & ~(<usize>63));
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
        at(dw, g * c.og * c.k), c.k, n > 0, gs);
    }
  }
}
