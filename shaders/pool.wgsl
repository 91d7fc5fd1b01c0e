// pool.wgsl: 2-D max and average pooling over NCHW, and the adjoint of average pooling. One
// invocation per output element (per input element for the adjoint, so no atomics are needed).

struct PoolParams {
  nc: u32,
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  kH: u32,
  kW: u32,
  strideH: u32,
  strideW: u32,
  padH: u32,
  padW: u32,
  size: u32,  // elements the kernel writes
}

@group(0) @binding(0) var<uniform> p: PoolParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> argOut: array<i32>;

const WG: u32 = 64u;

fn stepOf(nwg: vec3<u32>) -> u32 { return nwg.x * nwg.y * nwg.z * WG; }

// Values and flat input indices of the window maxima; the first index wins ties and the first
// NaN wins outright (as the reference). An empty window gives NaN and index 0.
@compute @workgroup_size(WG)
fn max_pool(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let ow = i % p.outW;
    let oh = (i / p.outW) % p.outH;
    let nc = i / (p.outW * p.outH);
    var best = -1;
    var bestV = 0.0;
    for (var kh = 0u; kh < p.kH; kh++) {
      let ih = i32(oh * p.strideH + kh) - i32(p.padH);
      if (ih < 0 || ih >= i32(p.inH)) { continue; }
      for (var kw = 0u; kw < p.kW; kw++) {
        let iw = i32(ow * p.strideW + kw) - i32(p.padW);
        if (iw < 0 || iw >= i32(p.inW)) { continue; }
        let xi = i32((nc * p.inH + u32(ih)) * p.inW) + iw;
        let v = x[xi];
        if (best < 0 || (!isNanF(bestV) && (isNanF(v) || v > bestV))) { best = xi; bestV = v; }
      }
    }
    if (best < 0) { out[i] = makeNan(); argOut[i] = 0; } else { out[i] = bestV; argOut[i] = best; }
  }
}

// Average over the window; padding counts in the divisor (kH * kW).
@compute @workgroup_size(WG)
fn avg_pool(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lidx: u32) {
  let inv = 1.0 / f32(p.kH * p.kW);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let ow = i % p.outW;
    let oh = (i / p.outW) % p.outH;
    let nc = i / (p.outW * p.outH);
    var s = 0.0;
    for (var kh = 0u; kh < p.kH; kh++) {
      let ih = i32(oh * p.strideH + kh) - i32(p.padH);
      if (ih < 0 || ih >= i32(p.inH)) { continue; }
      for (var kw = 0u; kw < p.kW; kw++) {
        let iw = i32(ow * p.strideW + kw) - i32(p.padW);
        if (iw < 0 || iw >= i32(p.inW)) { continue; }
        s += x[(nc * p.inH + u32(ih)) * p.inW + u32(iw)];
      }
    }
    out[i] = s * inv;
  }
}

// dx[ih, iw] = sum over the windows that contain (ih, iw) of dy / (kH * kW). `x` is dy here.
@compute @workgroup_size(WG)
fn avg_pool_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lidx: u32) {
  let inv = 1.0 / f32(p.kH * p.kW);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let iw = i32(i % p.inW);
    let ih = i32((i / p.inW) % p.inH);
    let nc = i / (p.inW * p.inH);
    // Windows oh with oh * sH - pH <= ih < oh * sH - pH + kH.
    let hNum = ih + i32(p.padH);
    let wNum = iw + i32(p.padW);
    let ohLo = max(0, (hNum - i32(p.kH) + i32(p.strideH)) / i32(p.strideH));
    let ohHi = min(i32(p.outH) - 1, hNum / i32(p.strideH));
    let owLo = max(0, (wNum - i32(p.kW) + i32(p.strideW)) / i32(p.strideW));
    let owHi = min(i32(p.outW) - 1, wNum / i32(p.strideW));
    var s = 0.0;
    for (var oh = ohLo; oh <= ohHi; oh++) {
      for (var ow = owLo; ow <= owHi; ow++) {
        s += x[(nc * p.outH + u32(oh)) * p.outW + u32(ow)];
      }
    }
    out[i] = s * inv;
  }
}
