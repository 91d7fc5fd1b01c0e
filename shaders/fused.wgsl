// fused.wgsl: fused update steps that would otherwise take a dozen elementwise dispatches.
//   attack_step: delta' = project(delta + step * direction(grad)) then clip x + delta' to the
//                value range, per row (one workgroup per row): L-infinity (sign step, box
//                projection) or L2 (normalised step, radial projection onto the ball);
//   adam:        one Adam or AdamW step of param, first and second moments.
// The semantics are those of src/backend/webgpu/fused-reference.ts.

struct AttackParams {
  rows: u32,
  cols: u32,
  norm: u32,        // 0 = L-infinity, 2 = L2
  perRowEps: u32,   // 1: budgets from `epsRows`, else `eps` for every row
  step: f32,
  eps: f32,
  lo: f32,          // value range of x + delta (infinite bounds: no clip)
  hi: f32,
  clipValues: u32,  // 1: clip x + delta to [lo, hi] (needs x)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

struct AdamParams {
  size: u32,
  decoupled: u32,   // 1: AdamW (decoupled weight decay)
  _pad0: u32,
  _pad1: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  bias1: f32,       // 1 - beta1^t
  bias2: f32,       // 1 - beta2^t
  _pad2: f32,
}

@group(0) @binding(0) var<uniform> ap: AttackParams;
@group(0) @binding(0) var<uniform> mp: AdamParams;
@group(0) @binding(1) var<storage, read> delta: array<f32>;   // adam: param
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read> xs: array<f32>;      // adam: first moment
@group(0) @binding(5) var<storage, read> epsRows: array<f32>; // adam: second moment
@group(0) @binding(6) var<storage, read_write> outM: array<f32>;
@group(0) @binding(7) var<storage, read_write> outV: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, WG>;

fn groupSum(v: f32, lidx: u32) -> f32 {
  workgroupBarrier();
  red[lidx] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lidx < s) { red[lidx] += red[lidx + s]; }
  }
  return workgroupUniformLoad(&red[0]);
}

fn groupMax(v: f32, lidx: u32) -> f32 {
  workgroupBarrier();
  red[lidx] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lidx < s) { red[lidx] = max(red[lidx], red[lidx + s]); }
  }
  return workgroupUniformLoad(&red[0]);
}

fn signF(v: f32) -> f32 {
  if (isNanF(v)) { return v; }
  return sign(v);
}

// The L2 norm of a row read through `value`, scaled by its largest magnitude (no underflow of
// tiny gradients, no overflow of huge ones). MODE_VALUE 0: grad; 1: delta + step * grad / gnorm.
fn stepped(i: u32, scale: f32) -> f32 { return delta[i] + scale * grad[i]; }

fn rowL2(base: u32, lidx: u32, which: u32, scale: f32) -> f32 {
  var m = 0.0;
  for (var j = lidx; j < ap.cols; j += WG) {
    var v: f32;
    if (which == 0u) { v = grad[base + j]; } else { v = stepped(base + j, scale); }
    m = max(m, abs(v));
  }
  let top = groupMax(m, lidx);
  if (top == 0.0 || !(top <= 0x1.fffffep+127f)) { return top; }
  let inv = 1.0 / top;
  var s = 0.0;
  for (var j = lidx; j < ap.cols; j += WG) {
    var v: f32;
    if (which == 0u) { v = grad[base + j]; } else { v = stepped(base + j, scale); }
    let a = v * inv;
    s += a * a;
  }
  return top * sqrt(groupSum(s, lidx));
}

@compute @workgroup_size(WG)
fn attack_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  let r = flatGroup(wid, nwg);
  if (r >= ap.rows) { return; }
  let base = r * ap.cols;
  var eps = ap.eps;
  if (ap.perRowEps == 1u) { eps = epsRows[r]; }
  var scale = ap.step;
  var shrink = 1.0;
  if (ap.norm == 2u) {
    let gn = rowL2(base, lidx, 0u, 0.0);
    if (gn > 0.0) { scale = ap.step / gn; } else { scale = 0.0; }
    let dn = rowL2(base, lidx, 1u, scale);
    if (dn > eps) { shrink = eps / dn; }
  }
  for (var j = lidx; j < ap.cols; j += WG) {
    let i = base + j;
    var d: f32;
    if (ap.norm == 2u) {
      d = stepped(i, scale) * shrink;
    } else {
      d = delta[i] + ap.step * signF(grad[i]);
      d = max(min(d, eps), -eps);
    }
    if (ap.clipValues == 1u) {
      let x = xs[i];
      d = min(max(x + d, ap.lo), ap.hi) - x;
    }
    out[i] = d;
  }
}

@compute @workgroup_size(256)
fn adam(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32) {
  let step = nwg.x * nwg.y * nwg.z * 256u;
  for (var i = flatInvocation(wid, nwg, lidx, 256u); i < mp.size; i += step) {
    var w = delta[i];
    var g = grad[i];
    // PyTorch's order of operations (as Backend.adamStep specifies).
    if (mp.weightDecay != 0.0) {
      if (mp.decoupled == 1u) { w = w * (1.0 - mp.lr * mp.weightDecay); } else { g = g + w * mp.weightDecay; }
    }
    let m = xs[i] + (g - xs[i]) * (1.0 - mp.beta1);
    let v = epsRows[i] * mp.beta2 + (g * g) * (1.0 - mp.beta2);
    let denom = sqrt(v) / sqrt(mp.bias2) + mp.eps;
    out[i] = w - (m / denom) * (mp.lr / mp.bias1);
    outM[i] = m;
    outV[i] = v;
  }
}
