// Packs blocks of the virtual im2col matrix of one image group straight into the GEMM's B panels,
// so that the column matrix is never written out. Row p of that matrix is (channel, kh, kw), column
// j is (oh, ow); entry = x[channel, oh * sH - pH + kh * dH, ow * sW - pW + kw * dW], 0 outside.

import { G } from './conv-geometry';

// Per-panel column coordinates when a panel spans output rows (at most 8 columns).
const OH = memory.data(32, 16);
const OW = memory.data(32, 16);

/**
 * Packs rows [p0, p0 + kc) and columns [j0, j0 + nc) of the im2col matrix of the image group at
 * `x` (geometry in G) into panels of `nr` columns, zero-padded: the layout of gemm's packB.
 */
export function packBIm2col(x: usize, p0: i32, kc: i32, j0: i32, nc: i32, nr: i32, dst: usize): void {
  const c = G;
  const plane = c.inH * c.inW;
  const taps = c.kH * c.kW;
  for (let jr = 0; jr < nc; jr += nr) {
    const cols = min<i32>(nr, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    const j = j0 + jr;
    const oh = j / c.outW;
    const ow = j % c.outW;
    const sameRow = cols == nr && ow + nr <= c.outW;
    if (!sameRow) {
      for (let t = 0; t < nr; t++) {
        const jj = j + t;
        store<i32>(OH + (<usize>t << 2), t < cols ? jj / c.outW : -1);
        store<i32>(OW + (<usize>t << 2), t < cols ? jj % c.outW : 0);
      }
    }
    let ch = p0 / taps;
    const rem = p0 % taps;
    let kh = rem / c.kW;
    let kw = rem % c.kW;
    for (let p = 0; p < kc; p++) {
      const d = panel + (<usize>(p * nr) << 2);
      const xc = x + (<usize>(ch * plane) << 2);
      const dh = kh * c.dH - c.pH;
      const dw = kw * c.dW - c.pW;
      if (sameRow) {
        const ih = oh * c.sH + dh;
        const iw0 = ow * c.sW + dw;
        if (ih < 0 || ih >= c.inH) {
          memory.fill(d, 0, <usize>nr << 2);
        } else {
          const row = xc + (<usize>(ih * c.inW) << 2);
          if (c.sW == 1 && iw0 >= 0 && iw0 + nr <= c.inW) {
            if (ASC_FEATURE_SIMD) {
              const s = row + (<usize>iw0 << 2);
              v128.store(d, v128.load(s));
              v128.store(d, v128.load(s, 16), 16);
            } else {
              memory.copy(d, row + (<usize>iw0 << 2), <usize>nr << 2);
            }
          } else {
            for (let t = 0; t < nr; t++) {
              const iw = iw0 + t * c.sW;
              store<f32>(d + (<usize>t << 2), iw >= 0 && iw < c.inW ? load<f32>(row + (<usize>iw << 2)) : 0);
            }
          }
        }
      } else {
        for (let t = 0; t < nr; t++) {
          const o = load<i32>(OH + (<usize>t << 2));
          const ih = o * c.sH + dh;
          const iw = load<i32>(OW + (<usize>t << 2)) * c.sW + dw;
          const inside = o >= 0 && ih >= 0 && ih < c.inH && iw >= 0 && iw < c.inW;
          store<f32>(d + (<usize>t << 2), inside ? load<f32>(xc + (<usize>(ih * c.inW + iw) << 2)) : 0);
        }
      }
      kw++;
      if (kw == c.kW) {
        kw = 0;
        kh++;
        if (kh == c.kH) {
          kh = 0;
          ch++;
        }
      }
    }
  }
}
