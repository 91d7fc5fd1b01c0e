// reduce.wgsl: sum / max / min over any set of axes, and argmax / argmin along one axis, in
// float32 and int32. The host merges adjacent axes of the same kind, so the walks are short.
// Max and min propagate NaN; argmax and argmin take the first NaN, else the first extremum.

struct ReduceParams {
  outSize: u32,
  redSize: u32,
  keptRank: u32,
  redRank: u32,
  keptShape: array<vec4<u32>, 2>,
  keptStride: array<vec4<u32>, 2>,  // input strides of the kept axes
  redShape: array<vec4<u32>, 2>,
  redStride: array<vec4<u32>, 2>,   // input strides of the reduced axes
  outer: u32,                       // argReduce: x viewed as [outer, dim, inner]
  dim: u32,
  inner: u32,
  _pad: u32,
}

// 0 = sum, 1 = max, 2 = min (argReduce: 1 = argmax, 2 = argmin).
override OP: u32 = 0u;
override IS_INT: bool = false;

@group(0) @binding(0) var<uniform> p: ReduceParams;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

const WG: u32 = 64u;
var<workgroup> sharedF: array<f32, WG>;
var<workgroup> sharedI: array<i32, WG>;

fn initF() -> f32 {
  if (OP == 1u) { return -makeInf(); }
  if (OP == 2u) { return makeInf(); }
  return 0.0;
}
fn initI() -> i32 {
  if (OP == 1u) { return i32(-2147483647 - 1); }
  if (OP == 2u) { return 2147483647; }
  return 0;
}

fn combineF(acc: f32, v: f32) -> f32 {
  if (OP == 0u) { return acc + v; }
  if (isNanF(acc) || isNanF(v)) { return makeNan(); }
  if (OP == 1u) { return max(acc, v); }
  return min(acc, v);
}
fn combineI(acc: i32, v: i32) -> i32 {
  if (OP == 0u) { return acc + v; }
  if (OP == 1u) { return max(acc, v); }
  return min(acc, v);
}

fn keptBase(o: u32) -> u32 {
  var rem = o;
  var off = 0u;
  for (var d = i32(p.keptRank) - 1; d >= 0; d--) {
    let n = at8(p.keptShape, u32(d));
    off += (rem % n) * at8(p.keptStride, u32(d));
    rem /= n;
  }
  return off;
}

fn redOffset(r: u32) -> u32 {
  var rem = r;
  var off = 0u;
  for (var d = i32(p.redRank) - 1; d >= 0; d--) {
    let n = at8(p.redShape, u32(d));
    off += (rem % n) * at8(p.redStride, u32(d));
    rem /= n;
  }
  return off;
}

// One invocation per output: for many outputs with short reductions.
@compute @workgroup_size(WG)
fn reduce_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lidx: u32) {
  let o = flatInvocation(wid, nwg, lidx, WG);
  if (o >= p.outSize) { return; }
  let base = keptBase(o);
  var ctr: array<u32, 8>;
  var off = 0u;
  var accF = initF();
  var accI = initI();
  for (var r = 0u; r < p.redSize; r++) {
    let w = x[base + off];
    if (IS_INT) { accI = combineI(accI, bitcast<i32>(w)); } else { accF = combineF(accF, bitcast<f32>(w)); }
    // Advance the multi-index over the reduced axes.
    var d = i32(p.redRank) - 1;
    loop {
      if (d < 0) { break; }
      let u = u32(d);
      ctr[u] += 1u;
      off += at8(p.redStride, u);
      if (ctr[u] < at8(p.redShape, u)) { break; }
      off -= at8(p.redStride, u) * at8(p.redShape, u);
      ctr[u] = 0u;
      d--;
    }
  }
  if (IS_INT) { out[o] = bitcast<u32>(accI); } else { out[o] = bitcast<u32>(accF); }
}

// One workgroup per output: strided partial results, then a tree in workgroup memory.
@compute @workgroup_size(WG)
fn reduce_group(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lidx: u32) {
  let o = flatGroup(wid, nwg);
  if (o >= p.outSize) { return; }
  let base = keptBase(o);
  var accF = initF();
  var accI = initI();
  for (var r = lidx; r < p.redSize; r += WG) {
    let w = x[base + redOffset(r)];
    if (IS_INT) { accI = combineI(accI, bitcast<i32>(w)); } else { accF = combineF(accF, bitcast<f32>(w)); }
  }
  sharedF[lidx] = accF;
  sharedI[lidx] = accI;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lidx < s) {
      if (IS_INT) { sharedI[lidx] = combineI(sharedI[lidx], sharedI[lidx + s]); }
      else { sharedF[lidx] = combineF(sharedF[lidx], sharedF[lidx + s]); }
    }
  }
  if (lidx == 0u) {
    if (IS_INT) { out[o] = bitcast<u32>(sharedI[0]); } else { out[o] = bitcast<u32>(sharedF[0]); }
  }
}

fn better(v: f32, best: f32) -> bool {
  if (isNanF(v)) { return true; }
  if (OP == 1u) { return v > best; }
  return v < best;
}

// argmax / argmin along the middle axis of [outer, dim, inner]; one invocation per output.
@compute @workgroup_size(WG)
fn arg_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  let o = flatInvocation(wid, nwg, lidx, WG);
  if (o >= p.outer * p.inner) { return; }
  let i = o % p.inner;
  let base = (o / p.inner) * p.dim * p.inner + i;
  var best = 0u;
  if (IS_INT) {
    var bestV = bitcast<i32>(x[base]);
    for (var j = 1u; j < p.dim; j++) {
      let v = bitcast<i32>(x[base + j * p.inner]);
      if ((OP == 1u && v > bestV) || (OP == 2u && v < bestV)) { best = j; bestV = v; }
    }
  } else {
    var bestV = bitcast<f32>(x[base]);
    for (var j = 1u; j < p.dim; j++) {
      if (isNanF(bestV)) { break; }
      let v = bitcast<f32>(x[base + j * p.inner]);
      if (better(v, bestV)) { best = j; bestV = v; }
    }
  }
  out[o] = best;
}
