// movement.wgsl: fill, strided copy (transpose, slice, broadcast), pad, concat, gather,
// scatter-add and one-hot. Storage is bound as u32 words, so every kernel but scatter-add is
// dtype-blind.

struct MovementParams {
  size: u32,     // output elements
  rank: u32,
  offset: u32,   // strided copy: first input element; concat: first output column
  value: u32,    // fill / pad value (bits); one-hot: the bits of 1
  outer: u32,
  dim: u32,      // gather / scatter: size of the indexed axis; concat: input axis size
  inner: u32,
  count: u32,    // gather / scatter: number of indices; concat: output axis size
  shape: array<vec4<u32>, 2>,   // output shape (strided copy, pad)
  stride: array<vec4<u32>, 2>,  // strided copy: input strides; pad: input strides
  before: array<vec4<u32>, 2>,  // pad: elements before, per axis
  inShape: array<vec4<u32>, 2>, // pad: input shape
}

// scatter-add: whether the values are int32 (else float32).
override IS_INT: bool = false;

@group(0) @binding(0) var<uniform> p: MovementParams;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;
// The backend's error words: [op code (1 gather, 2 scatter-add), bad index, axis size]. Checked,
// and cleared, by the next read-back, which raises the error the reference raises at once.
@group(0) @binding(4) var<storage, read_write> flags: array<u32>;

fn flagIndex(op: u32, k: i32) {
  flags[0] = op;
  flags[1] = bitcast<u32>(k);
  flags[2] = p.dim;
}

const WG: u32 = 256u;

fn stepOf(nwg: vec3<u32>) -> u32 { return nwg.x * nwg.y * nwg.z * WG; }

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    out[i] = p.value;
  }
}

@compute @workgroup_size(WG)
fn strided_copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    var rem = i;
    var src = p.offset;
    for (var d = i32(p.rank) - 1; d >= 0; d--) {
      let n = at8(p.shape, u32(d));
      src += (rem % n) * at8(p.stride, u32(d));
      rem /= n;
    }
    out[i] = x[src];
  }
}

@compute @workgroup_size(WG)
fn pad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
       @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    var rem = i;
    var src = 0u;
    var inside = true;
    for (var d = i32(p.rank) - 1; d >= 0; d--) {
      let u = u32(d);
      let n = at8(p.shape, u);
      let c = i32(rem % n) - i32(at8(p.before, u));
      rem /= n;
      if (c < 0 || c >= i32(at8(p.inShape, u))) { inside = false; }
      src += u32(max(c, 0)) * at8(p.stride, u);
    }
    if (inside) { out[i] = x[src]; } else { out[i] = p.value; }
  }
}

// Copies one concat input [outer, dim, inner] into the output [outer, count, inner] at column
// `offset` of the concat axis. One dispatch per input.
@compute @workgroup_size(WG)
fn concat_part(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  let block = p.dim * p.inner;
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let o = i / block;
    let r = i - o * block;
    out[o * p.count * p.inner + p.offset * p.inner + r] = x[i];
  }
}

// out[o, j, i] = x[o, idx[j], i]. Out-of-range indices give zero words and set the error words.
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let inn = i % p.inner;
    let oj = i / p.inner;
    let j = oj % p.count;
    let o = oj / p.count;
    let k = idx[j];
    if (k >= 0 && u32(k) < p.dim) {
      out[i] = x[(o * p.dim + u32(k)) * p.inner + inn];
    } else {
      out[i] = 0u;
      flagIndex(1u, k);
    }
  }
}

// The adjoint of gather without atomics: one invocation per output element sums every source
// element whose index points at it, in index order (deterministic).
@compute @workgroup_size(WG)
fn scatter_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let inn = i % p.inner;
    let od = i / p.inner;
    let d = od % p.dim;
    let o = od / p.dim;
    var accF = 0.0;
    var accI = 0;
    for (var j = 0u; j < p.count; j++) {
      let k = idx[j];
      if (k < 0 || u32(k) >= p.dim) { flagIndex(2u, k); }
      if (k == i32(d)) {
        let w = x[(o * p.count + j) * p.inner + inn];
        if (IS_INT) { accI += bitcast<i32>(w); } else { accF += bitcast<f32>(w); }
      }
    }
    if (IS_INT) { out[i] = bitcast<u32>(accI); } else { out[i] = bitcast<u32>(accF); }
  }
}

// out[r, k] = (idx[r] == k) ? one : 0, with `value` the bits of one in the output dtype.
@compute @workgroup_size(WG)
fn one_hot(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lidx: u32) {
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += stepOf(nwg)) {
    let r = i / p.dim;
    let k = i - r * p.dim;
    out[i] = select(0u, p.value, idx[r] == i32(k));
  }
}
