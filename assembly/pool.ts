// 2-D pooling over NCHW f32 tensors. Parameters arrive as i32 in the args block, in the order of
// Pool2dParams: n, c, inH, inW, kH, kW, strideH, strideW, padH, padW, outH, outW.

import { at } from './simd';

/** Max pooling: values and the flat index of each max (first wins ties; a NaN wins). */
export function maxPool2d(x: usize, values: usize, indices: usize, p: usize): void {
  const nc = load<i32>(p) * load<i32>(p, 4);
  const inH = load<i32>(p, 8), inW = load<i32>(p, 12);
  const kH = load<i32>(p, 16), kW = load<i32>(p, 20);
  const sH = load<i32>(p, 24), sW = load<i32>(p, 28);
  const pH = load<i32>(p, 32), pW = load<i32>(p, 36);
  const outH = load<i32>(p, 40), outW = load<i32>(p, 44);
  let yi = 0;
  for (let plane = 0; plane < nc; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max<i32>(h0, 0), he = min<i32>(h0 + kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * sW - pW;
        const ws = max<i32>(w0, 0), we = min<i32>(w0 + kW, inW);
        let best = -1;
        let bv: f32 = NaN;
        for (let ih = hs; ih < he && !(best >= 0 && bv != bv); ih++) {
          for (let iw = ws; iw < we; iw++) {
            const xi = base + ih * inW + iw;
            const v = load<f32>(at(x, xi));
            if (best < 0 || v != v || v > bv) {
              best = xi;
              bv = v;
              if (v != v) break;
            }
          }
        }
        store<f32>(at(values, yi), bv);
        store<i32>(at(indices, yi), best < 0 ? 0 : best);
        yi++;
      }
    }
  }
}

/** Average pooling; padding counts in the divisor (kH * kW). */
export function avgPool2d(x: usize, out: usize, p: usize): void {
  const nc = load<i32>(p) * load<i32>(p, 4);
  const inH = load<i32>(p, 8), inW = load<i32>(p, 12);
  const kH = load<i32>(p, 16), kW = load<i32>(p, 20);
  const sH = load<i32>(p, 24), sW = load<i32>(p, 28);
  const pH = load<i32>(p, 32), pW = load<i32>(p, 36);
  const outH = load<i32>(p, 40), outW = load<i32>(p, 44);
  const inv = 1.0 / <f64>(kH * kW);
  let yi = 0;
  for (let plane = 0; plane < nc; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max<i32>(h0, 0), he = min<i32>(h0 + kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * sW - pW;
        const ws = max<i32>(w0, 0), we = min<i32>(w0 + kW, inW);
        let s: f64 = 0;
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) s += <f64>load<f32>(at(x, base + ih * inW + iw));
        }
        store<f32>(at(out, yi), <f32>(s * inv));
        yi++;
      }
    }
  }
}

/** Adjoint of avgPool2d: dx (zero-filled here) receives dy / (kH * kW) over each window. */
export function avgPool2dBackward(dy: usize, dx: usize, p: usize): void {
  const nc = load<i32>(p) * load<i32>(p, 4);
  const inH = load<i32>(p, 8), inW = load<i32>(p, 12);
  const kH = load<i32>(p, 16), kW = load<i32>(p, 20);
  const sH = load<i32>(p, 24), sW = load<i32>(p, 28);
  const pH = load<i32>(p, 32), pW = load<i32>(p, 36);
  const outH = load<i32>(p, 40), outW = load<i32>(p, 44);
  memory.fill(dx, 0, <usize>(nc * inH * inW) << 2);
  const inv = 1.0 / <f64>(kH * kW);
  let yi = 0;
  for (let plane = 0; plane < nc; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - pH;
      const hs = max<i32>(h0, 0), he = min<i32>(h0 + kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * sW - pW;
        const ws = max<i32>(w0, 0), we = min<i32>(w0 + kW, inW);
        const g = <f32>(<f64>load<f32>(at(dy, yi)) * inv);
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const a = at(dx, base + ih * inW + iw);
            store<f32>(a, load<f32>(a) + g);
          }
        }
        yi++;
      }
    }
  }
}
