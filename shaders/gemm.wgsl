// gemm.wgsl: the matrix-product core shared by matmul and 2-D convolution. C[b] = A[b] B[b] with
// operands read through loader functions, so that one tiled kernel serves batched matmul with
// transpose flags and batch broadcasting (MODE 0) and convolution as implicit GEMM: forward
// (MODE 1), gradient of the input (MODE 2) and of the filter (MODE 3), with stride, padding,
// dilation and groups (the batch axis is the group). Variants:
//   gemm        32x32 output tile per workgroup of 8x8 invocations, 4x4 outputs per invocation
//               held in registers, A and B tiles in workgroup memory; split-K when `splits` > 1
//               (each split writes a partial result; gemm_split_sum adds them up);
//   gemm_vec4   the same tile with vec4 loads and stores, for plain matmul when every inner
//               dimension is a multiple of 4;
//   gemm_dot    one workgroup per output element, for small outputs with long K;
//   gemm_thread one invocation per output element, for matrix-vector products.
// Every variant applies the epilogue (EPILOGUE: bias per output column, then ReLU or GELU) as it
// stores, or in gemm_split_sum after split-K, so a linear layer is one dispatch.

struct GemmParams {
  M: u32,
  N: u32,
  K: u32,
  batch: u32,
  tilesM: u32,
  tilesN: u32,
  splits: u32,
  kPerSplit: u32,   // a multiple of TK
  strideA: u32,     // batch strides in elements (0 broadcasts one matrix)
  strideB: u32,
  outSize: u32,     // elements of the final output (offset between split-K partials)
  _pad0: u32,
  n: u32,           // convolution geometry (MODE 1-3)
  inC: u32,
  inH: u32,
  inW: u32,
  outC: u32,
  kH: u32,
  kW: u32,
  strideH: u32,
  strideW: u32,
  padH: u32,
  padW: u32,
  dilH: u32,
  dilW: u32,
  outH: u32,
  outW: u32,
  groups: u32,
}

override MODE: u32 = 0u;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
// 0: none; 1: + bias[n]; 2: relu(. + bias[n]); 3: gelu(. + bias[n]). Plain matmul only.
override EPILOGUE: u32 = 0u;

@group(0) @binding(0) var<uniform> p: GemmParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// The vec4 views of the same bindings, used only by gemm_vec4.
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> C4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> B4: array<vec4<f32>>;

const TS: u32 = 32u;   // output tile edge
const TK: u32 = 32u;   // depth of one K step
const T4: u32 = 8u;    // TS / 4
const THREADS: u32 = 64u;

var<workgroup> tileA: array<vec4<f32>, TK * T4>;  // [TK][TS / 4]: 4 rows of A per vec4
var<workgroup> tileB: array<vec4<f32>, TK * T4>;  // [TK][TS / 4]: 4 columns of B per vec4

// ---- operand access -------------------------------------------------------------------------

fn convIn(img: u32, c: u32, ih: i32, iw: i32) -> f32 {
  if (ih < 0 || iw < 0 || ih >= i32(p.inH) || iw >= i32(p.inW)) { return 0.0; }
  return B[((img * p.inC + c) * p.inH + u32(ih)) * p.inW + u32(iw)];
}

// op(A)[b][m, k]; the caller guarantees m < M and k < K.
fn loadA(b: u32, m: u32, k: u32) -> f32 {
  switch MODE {
    case 0u: {
      if (TRANS_A) { return A[b * p.strideA + k * p.M + m]; }
      return A[b * p.strideA + m * p.K + k];
    }
    case 1u: {
      // The filter, [outC, inC / groups * kH * kW]: row g * (outC / groups) + m.
      return A[(b * (p.outC / p.groups) + m) * p.K + k];
    }
    case 2u: {
      // The filter read transposed: rows are input channels, k = (oc, kh, kw).
      let khw = p.kH * p.kW;
      let oc = k / khw;
      let ipg = p.inC / p.groups;
      return A[((b * (p.outC / p.groups) + oc) * ipg + m) * khw + (k - oc * khw)];
    }
    default: {
      // dy: rows are output channels, k = (image, output pixel).
      let hw = p.outH * p.outW;
      let img = k / hw;
      return A[(img * p.outC + b * (p.outC / p.groups) + m) * hw + (k - img * hw)];
    }
  }
}

// op(B)[b][k, n]; the caller guarantees k < K and n < N.
fn loadB(b: u32, k: u32, n: u32) -> f32 {
  switch MODE {
    case 0u: {
      if (TRANS_B) { return B[b * p.strideB + n * p.K + k]; }
      return B[b * p.strideB + k * p.N + n];
    }
    case 1u: {
      // im2col of x: k = (ic, kh, kw), n = (image, oh, ow).
      let khw = p.kH * p.kW;
      let ic = k / khw;
      let r = k - ic * khw;
      let kh = r / p.kW;
      let kw = r - kh * p.kW;
      let hw = p.outH * p.outW;
      let img = n / hw;
      let pix = n - img * hw;
      let oh = pix / p.outW;
      let ow = pix - oh * p.outW;
      let ih = i32(oh * p.strideH + kh * p.dilH) - i32(p.padH);
      let iw = i32(ow * p.strideW + kw * p.dilW) - i32(p.padW);
      return convIn(img, b * (p.inC / p.groups) + ic, ih, iw);
    }
    case 2u: {
      // dy gathered for input pixel n = (image, ih, iw) and k = (oc, kh, kw).
      let khw = p.kH * p.kW;
      let oc = k / khw;
      let r = k - oc * khw;
      let kh = r / p.kW;
      let kw = r - kh * p.kW;
      let hw = p.inH * p.inW;
      let img = n / hw;
      let pix = n - img * hw;
      let ih = pix / p.inW;
      let iw = pix - ih * p.inW;
      let th = i32(ih + p.padH) - i32(kh * p.dilH);
      let tw = i32(iw + p.padW) - i32(kw * p.dilW);
      if (th < 0 || tw < 0) { return 0.0; }
      let oh = u32(th) / p.strideH;
      let ow = u32(tw) / p.strideW;
      if (oh * p.strideH != u32(th) || ow * p.strideW != u32(tw) || oh >= p.outH || ow >= p.outW) { return 0.0; }
      return B[((img * p.outC + b * (p.outC / p.groups) + oc) * p.outH + oh) * p.outW + ow];
    }
    default: {
      // x gathered for k = (image, oh, ow) and n = (ic, kh, kw).
      let khw = p.kH * p.kW;
      let ic = n / khw;
      let r = n - ic * khw;
      let kh = r / p.kW;
      let kw = r - kh * p.kW;
      let hw = p.outH * p.outW;
      let img = k / hw;
      let pix = k - img * hw;
      let oh = pix / p.outW;
      let ow = pix - oh * p.outW;
      let ih = i32(oh * p.strideH + kh * p.dilH) - i32(p.padH);
      let iw = i32(ow * p.strideW + kw * p.dilW) - i32(p.padW);
      return convIn(img, b * (p.inC / p.groups) + ic, ih, iw);
    }
  }
}

// Flat index of C[b][m, n] in the output layout of the mode.
fn indexC(b: u32, m: u32, n: u32) -> u32 {
  switch MODE {
    case 0u: { return (b * p.M + m) * p.N + n; }
    case 1u: {
      let hw = p.outH * p.outW;
      let img = n / hw;
      return (img * p.outC + b * (p.outC / p.groups) + m) * hw + (n - img * hw);
    }
    case 2u: {
      let hw = p.inH * p.inW;
      let img = n / hw;
      return (img * p.inC + b * (p.inC / p.groups) + m) * hw + (n - img * hw);
    }
    default: { return (b * p.M + m) * p.N + n; }
  }
}

// The fused epilogue of output column n.
fn epilogue(v: f32, n: u32) -> f32 {
  if (EPILOGUE == 0u) { return v; }
  let r = v + bias[n];
  if (EPILOGUE == 2u) {
    if (isNanF(r)) { return r; }
    return max(r, 0.0);
  }
  if (EPILOGUE == 3u) { return geluF(r); }
  return r;
}

fn epilogue4(v: vec4<f32>, n: u32) -> vec4<f32> {
  if (EPILOGUE == 0u) { return v; }
  return vec4<f32>(epilogue(v.x, n), epilogue(v.y, n + 1u), epilogue(v.z, n + 2u), epilogue(v.w, n + 3u));
}

struct Tile {
  b: u32,
  row0: u32,
  col0: u32,
  kBegin: u32,
  kEnd: u32,
  split: u32,
}

fn tileOf(g: u32) -> Tile {
  let tiles = p.tilesM * p.tilesN;
  let tn = g % p.tilesN;
  let tm = (g / p.tilesN) % p.tilesM;
  let rest = g / tiles;
  let split = rest / p.batch;
  let kBegin = split * p.kPerSplit;
  return Tile(rest % p.batch, tm * TS, tn * TS, kBegin, min(p.K, kBegin + p.kPerSplit), split);
}

// The 4x4 register tile of one invocation (rows c0..c3, 4 columns each).
struct Acc {
  c0: vec4<f32>,
  c1: vec4<f32>,
  c2: vec4<f32>,
  c3: vec4<f32>,
}

// Adds one K step held in workgroup memory, two k at a time.
fn accumulate(acc: Acc, lid: vec3<u32>) -> Acc {
  var c0 = acc.c0;
  var c1 = acc.c1;
  var c2 = acc.c2;
  var c3 = acc.c3;
  for (var kk = 0u; kk < TK; kk += 2u) {
    let a = tileA[kk * T4 + lid.y];
    let bv = tileB[kk * T4 + lid.x];
    let a2 = tileA[(kk + 1u) * T4 + lid.y];
    let bv2 = tileB[(kk + 1u) * T4 + lid.x];
    c0 += a.x * bv + a2.x * bv2;
    c1 += a.y * bv + a2.y * bv2;
    c2 += a.z * bv + a2.z * bv2;
    c3 += a.w * bv + a2.w * bv2;
  }
  return Acc(c0, c1, c2, c3);
}

fn accRow(acc: Acc, r: u32) -> vec4<f32> {
  switch r {
    case 0u: { return acc.c0; }
    case 1u: { return acc.c1; }
    case 2u: { return acc.c2; }
    default: { return acc.c3; }
  }
}

fn storeTile(t: Tile, acc: Acc, lid: vec3<u32>) {
  let part = t.split * p.outSize;
  let last = p.splits == 1u;
  for (var r = 0u; r < 4u; r++) {
    let m = t.row0 + lid.y * 4u + r;
    if (m >= p.M) { break; }
    for (var c = 0u; c < 4u; c++) {
      let n = t.col0 + lid.x * 4u + c;
      if (n < p.N) {
        var v = accRow(acc, r)[c];
        if (last) { v = epilogue(v, n); }
        C[part + indexC(t.b, m, n)] = v;
      }
    }
  }
}

@compute @workgroup_size(8, 8, 1)
fn gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let g = flatGroup(wid, nwg);
  if (g >= p.tilesM * p.tilesN * p.batch * p.splits) { return; }
  let t = tileOf(g);
  var acc = Acc(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var k0 = t.kBegin; k0 < t.kEnd; k0 += TK) {
    // Each invocation fills 16 of the 1024 entries of each tile.
    for (var e = lidx; e < TK * TS; e += THREADS) {
      var kk: u32;
      var mm: u32;
      if (MODE == 0u && !TRANS_A) { mm = e / TK; kk = e % TK; } else { kk = e / TS; mm = e % TS; }
      let m = t.row0 + mm;
      let k = k0 + kk;
      var v = 0.0;
      if (m < p.M && k < t.kEnd) { v = loadA(t.b, m, k); }
      tileA[kk * T4 + mm / 4u][mm % 4u] = v;
    }
    for (var e = lidx; e < TK * TS; e += THREADS) {
      var kk: u32;
      var nn: u32;
      if (MODE == 0u && TRANS_B) { nn = e / TK; kk = e % TK; } else { kk = e / TS; nn = e % TS; }
      let n = t.col0 + nn;
      let k = k0 + kk;
      var v = 0.0;
      if (n < p.N && k < t.kEnd) { v = loadB(t.b, k, n); }
      tileB[kk * T4 + nn / 4u][nn % 4u] = v;
    }
    workgroupBarrier();
    acc = accumulate(acc, lid);
    workgroupBarrier();
  }
  storeTile(t, acc, lid);
}

// Plain matmul with vec4 global loads and stores. Requires K % 4 == 0 (or M % 4 == 0 with
// TRANS_A), N % 4 == 0 (or K % 4 == 0 with TRANS_B) and N % 4 == 0 for the stores; strides and
// kPerSplit are then multiples of 4 too.
@compute @workgroup_size(8, 8, 1)
fn gemm_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let g = flatGroup(wid, nwg);
  if (g >= p.tilesM * p.tilesN * p.batch * p.splits) { return; }
  let t = tileOf(g);
  let zero = vec4<f32>(0.0);
  var acc = Acc(zero, zero, zero, zero);
  for (var k0 = t.kBegin; k0 < t.kEnd; k0 += TK) {
    // 256 vec4 per tile: 4 per invocation.
    for (var e = lidx; e < TK * T4; e += THREADS) {
      if (TRANS_A) {
        // A is [K, M]: a vec4 holds 4 rows at one k.
        let kk = e / T4;
        let m4 = e % T4;
        let m = t.row0 + m4 * 4u;
        let k = k0 + kk;
        var v = zero;
        if (m < p.M && k < t.kEnd) { v = A4[(t.b * p.strideA + k * p.M + m) / 4u]; }
        tileA[kk * T4 + m4] = v;
      } else {
        // A is [M, K]: a vec4 holds 4 k at one row.
        let mm = e / T4;
        let kq = (e % T4) * 4u;
        let m = t.row0 + mm;
        let k = k0 + kq;
        var v = zero;
        if (m < p.M && k < t.kEnd) { v = A4[(t.b * p.strideA + m * p.K + k) / 4u]; }
        tileA[kq * T4 + mm / 4u][mm % 4u] = v.x;
        tileA[(kq + 1u) * T4 + mm / 4u][mm % 4u] = v.y;
        tileA[(kq + 2u) * T4 + mm / 4u][mm % 4u] = v.z;
        tileA[(kq + 3u) * T4 + mm / 4u][mm % 4u] = v.w;
      }
    }
    for (var e = lidx; e < TK * T4; e += THREADS) {
      if (TRANS_B) {
        // B is [N, K]: a vec4 holds 4 k at one column.
        let nn = e / T4;
        let kq = (e % T4) * 4u;
        let n = t.col0 + nn;
        let k = k0 + kq;
        var v = zero;
        if (n < p.N && k < t.kEnd) { v = B4[(t.b * p.strideB + n * p.K + k) / 4u]; }
        tileB[kq * T4 + nn / 4u][nn % 4u] = v.x;
        tileB[(kq + 1u) * T4 + nn / 4u][nn % 4u] = v.y;
        tileB[(kq + 2u) * T4 + nn / 4u][nn % 4u] = v.z;
        tileB[(kq + 3u) * T4 + nn / 4u][nn % 4u] = v.w;
      } else {
        // B is [K, N]: a vec4 holds 4 columns at one k.
        let kk = e / T4;
        let n4 = e % T4;
        let n = t.col0 + n4 * 4u;
        let k = k0 + kk;
        var v = zero;
        if (n < p.N && k < t.kEnd) { v = B4[(t.b * p.strideB + k * p.N + n) / 4u]; }
        tileB[kk * T4 + n4] = v;
      }
    }
    workgroupBarrier();
    acc = accumulate(acc, lid);
    workgroupBarrier();
  }
  let part = t.split * p.outSize;
  let n = t.col0 + lid.x * 4u;
  if (n < p.N) {
    for (var r = 0u; r < 4u; r++) {
      let m = t.row0 + lid.y * 4u + r;
      if (m < p.M) {
        var v = accRow(acc, r);
        if (p.splits == 1u) { v = epilogue4(v, n); }
        C4[(part + (t.b * p.M + m) * p.N + n) / 4u] = v;
      }
    }
  }
}

// One invocation per output element, a sequential dot product each: for matrix-vector products
// with many outputs (no workgroup memory, no barriers).
@compute @workgroup_size(64, 1, 1)
fn gemm_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lidx: u32) {
  let o = flatInvocation(wid, nwg, lidx, THREADS);
  if (o >= p.batch * p.M * p.N) { return; }
  let n = o % p.N;
  let m = (o / p.N) % p.M;
  let b = o / (p.M * p.N);
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += loadA(b, m, k) * loadB(b, k, n); }
  C[indexC(b, m, n)] = epilogue(s, n);
}

var<workgroup> dotPartial: array<f32, THREADS>;

// One workgroup per output element: the invocations stride over K, then add up in a tree.
@compute @workgroup_size(64, 1, 1)
fn gemm_dot(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lidx: u32) {
  let o = flatGroup(wid, nwg);
  if (o >= p.batch * p.M * p.N) { return; }
  let n = o % p.N;
  let m = (o / p.N) % p.M;
  let b = o / (p.M * p.N);
  var s = 0.0;
  for (var k = lidx; k < p.K; k += THREADS) { s += loadA(b, m, k) * loadB(b, k, n); }
  dotPartial[lidx] = s;
  for (var h = THREADS / 2u; h > 0u; h >>= 1u) {
    workgroupBarrier();
    if (lidx < h) { dotPartial[lidx] += dotPartial[lidx + h]; }
  }
  if (lidx == 0u) { C[indexC(b, m, n)] = epilogue(dotPartial[0], n); }
}

// Adds the split-K partial results: C[i] = sum over s of A[s * outSize + i].
@compute @workgroup_size(256, 1, 1)
fn gemm_split_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lidx: u32) {
  let step = nwg.x * nwg.y * nwg.z * 256u;
  for (var i = flatInvocation(wid, nwg, lidx, 256u); i < p.outSize; i += step) {
    var s = 0.0;
    for (var j = 0u; j < p.splits; j++) { s += A[j * p.outSize + i]; }
    C[i] = epilogue(s, i % p.N);
  }
}
