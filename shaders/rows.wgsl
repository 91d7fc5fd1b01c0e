// rows.wgsl: fused row kernels over [rows, cols]: softmax, log-softmax, layer norm and the
// per-row Lp norms of the gradient-norm probe. One workgroup per row; row reductions go through
// workgroup memory.

struct RowParams {
  rows: u32,
  cols: u32,
  order: u32,    // rowNorms: 1, 2, or 0 for infinity
  eps: f32,      // layerNorm
}

@group(0) @binding(0) var<uniform> p: RowParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
// layer_norm_backward's second output (g * xhat).
@group(0) @binding(5) var<storage, read_write> out2: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, WG>;

// Sum over the workgroup (every invocation gets the result).
fn groupSum(v: f32, lidx: u32) -> f32 {
  workgroupBarrier();
  red[lidx] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lidx < s) { red[lidx] += red[lidx + s]; }
  }
  return workgroupUniformLoad(&red[0]);
}

// Max over the workgroup, NaN winning.
fn groupMax(v: f32, lidx: u32) -> f32 {
  workgroupBarrier();
  red[lidx] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lidx < s) {
      let a = red[lidx];
      let b = red[lidx + s];
      if (isNanF(a) || isNanF(b)) { red[lidx] = makeNan(); } else { red[lidx] = max(a, b); }
    }
  }
  return workgroupUniformLoad(&red[0]);
}

fn maxNan(a: f32, b: f32) -> f32 {
  if (isNanF(a) || isNanF(b)) { return makeNan(); }
  return max(a, b);
}

fn rowMax(base: u32, lidx: u32) -> f32 {
  var m = -makeInf();
  for (var j = lidx; j < p.cols; j += WG) { m = maxNan(m, x[base + j]); }
  return groupMax(m, lidx);
}

@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let m = rowMax(base, lidx);
  var s = 0.0;
  for (var j = lidx; j < p.cols; j += WG) { s += expF(x[base + j] - m); }
  let total = groupSum(s, lidx);
  let inv = 1.0 / total;
  for (var j = lidx; j < p.cols; j += WG) { out[base + j] = expF(x[base + j] - m) * inv; }
}

@compute @workgroup_size(WG)
fn log_softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let m = rowMax(base, lidx);
  var s = 0.0;
  for (var j = lidx; j < p.cols; j += WG) { s += expF(x[base + j] - m); }
  let lse = m + logF(groupSum(s, lidx));
  for (var j = lidx; j < p.cols; j += WG) { out[base + j] = x[base + j] - lse; }
}

// Mean and 1 / sqrt(biased variance + eps) of the row at `base` (two passes).
fn rowStats(base: u32, lidx: u32) -> vec2<f32> {
  let n = f32(p.cols);
  var s = 0.0;
  for (var j = lidx; j < p.cols; j += WG) { s += x[base + j]; }
  let mean = groupSum(s, lidx) / n;
  var v = 0.0;
  for (var j = lidx; j < p.cols; j += WG) { let d = x[base + j] - mean; v += d * d; }
  return vec2<f32>(mean, 1.0 / sqrt(groupSum(v, lidx) / n + p.eps));
}

@compute @workgroup_size(WG)
fn layer_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let stats = rowStats(base, lidx);
  let mean = stats.x;
  let rstd = stats.y;
  for (var j = lidx; j < p.cols; j += WG) {
    out[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
  }
}

// layerNorm's backward pass: out = dx = rstd (g gamma - mean(g gamma) - xhat mean(g gamma xhat)),
// out2 = g * xhat (summed over rows by the host: d gamma). The gradient g is bound as `beta`.
@compute @workgroup_size(WG)
fn layer_norm_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let n = f32(p.cols);
  let stats = rowStats(base, lidx);
  let mean = stats.x;
  let rstd = stats.y;
  var a = 0.0;
  var b = 0.0;
  for (var j = lidx; j < p.cols; j += WG) {
    let d = beta[base + j] * gamma[j];
    a += d;
    b += d * (x[base + j] - mean);
  }
  let m1 = groupSum(a, lidx) / n;
  let m2 = groupSum(b, lidx) * rstd / n;
  for (var j = lidx; j < p.cols; j += WG) {
    let xhat = (x[base + j] - mean) * rstd;
    let g = beta[base + j];
    out[base + j] = rstd * (g * gamma[j] - m1 - xhat * m2);
    out2[base + j] = g * xhat;
  }
}

// Per-row L1, L2 or L-infinity norm. L2 is scaled by the row's largest magnitude first, so that
// neither tiny gradients (squares underflow) nor huge ones (squares overflow) lose the result.
@compute @workgroup_size(WG)
fn row_norms(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var result: f32;
  if (p.order == 1u) {
    var s = 0.0;
    for (var j = lidx; j < p.cols; j += WG) { s += abs(x[base + j]); }
    result = groupSum(s, lidx);
  } else {
    var m = 0.0;
    for (var j = lidx; j < p.cols; j += WG) { m = maxNan(m, abs(x[base + j])); }
    let top = groupMax(m, lidx);
    if (p.order == 0u || top == 0.0 || isNanF(top) || top > 0x1.fffffep+127f) {
      result = top;
    } else {
      let inv = 1.0 / top;
      var s = 0.0;
      for (var j = lidx; j < p.cols; j += WG) { let a = x[base + j] * inv; s += a * a; }
      result = top * sqrt(groupSum(s, lidx));
    }
  }
  if (lidx == 0u) { out[r] = result; }
}
