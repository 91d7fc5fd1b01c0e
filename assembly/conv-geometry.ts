// The geometry of one 2-D convolution, shared by conv.ts and the im2col packer. Parameters arrive
// as i32 in the order of Conv2dParams: n, inC, inH, inW, outC, kH, kW, strideH, strideW, padH,
// padW, dilationH, dilationW, groups, outH, outW.

@unmanaged
export class ConvGeometry {
  n: i32; inC: i32; inH: i32; inW: i32; outC: i32; kH: i32; kW: i32;
  sH: i32; sW: i32; pH: i32; pW: i32; dH: i32; dW: i32; groups: i32;
  outH: i32; outW: i32;
  /** Channels per group, output channels per group, K = cg * kH * kW, HW = outH * outW. */
  cg: i32; og: i32; k: i32; hw: i32;
  /** 1 x 1, stride 1, unpadded: the input is its own column matrix. */
  direct: bool;
}

/** The one geometry record (statically allocated; the stub runtime never frees). */
export const G = changetype<ConvGeometry>(memory.data(offsetof<ConvGeometry>(), 8));

/** Reads the parameters at `p` into `G` and derives the rest. */
export function readGeometry(p: usize): ConvGeometry {
  const c = G;
  c.n = load<i32>(p); c.inC = load<i32>(p, 4); c.inH = load<i32>(p, 8); c.inW = load<i32>(p, 12);
  c.outC = load<i32>(p, 16); c.kH = load<i32>(p, 20); c.kW = load<i32>(p, 24);
  c.sH = load<i32>(p, 28); c.sW = load<i32>(p, 32); c.pH = load<i32>(p, 36); c.pW = load<i32>(p, 40);
  c.dH = load<i32>(p, 44); c.dW = load<i32>(p, 48); c.groups = load<i32>(p, 52);
  c.outH = load<i32>(p, 56); c.outW = load<i32>(p, 60);
  c.cg = c.inC / c.groups;
  c.og = c.outC / c.groups;
  c.k = c.cg * c.kH * c.kW;
  c.hw = c.outH * c.outW;
  c.direct = c.kH == 1 && c.kW == 1 && c.sH == 1 && c.sW == 1 && c.pH == 0 && c.pW == 0
    && c.outH == c.inH && c.outW == c.inW;
  return c;
}
