// elementwise.wgsl: unary and broadcasting binary ops, where, clip and casts, in float32 and int32.
// One invocation per element with a grid-stride loop. Storage is bound as u32 words and bitcast,
// so one binding serves both dtypes. The op is an override constant: one pipeline per op, any
// shape (shapes and strides arrive in the uniform block).

struct ElementwiseParams {
  size: u32,
  rank: u32,
  _pad0: u32,
  _pad1: u32,
  shape: array<vec4<u32>, 2>,
  strideA: array<vec4<u32>, 2>,
  strideB: array<vec4<u32>, 2>,
  strideC: array<vec4<u32>, 2>,
  // clip bounds: float32 bits, or for int32 [compare-low, value-low, compare-high, value-high]
  bounds: vec4<u32>,
}

// Which op: indices into the op lists of elementwise-kernels.ts.
override OP: u32 = 0u;
// How each operand is addressed: 0 = same flat index as the output, 1 = strided (broadcast),
// 2 = one scalar.
override MODE_A: u32 = 0u;
override MODE_B: u32 = 0u;
override MODE_C: u32 = 0u;
// where(): whether the condition is int32 (else float32).
override COND_INT: bool = false;

@group(0) @binding(0) var<uniform> p: ElementwiseParams;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> b: array<u32>;
@group(0) @binding(4) var<storage, read> c: array<u32>;

const WG: u32 = 256u;

fn offsetOf(i: u32, strides: array<vec4<u32>, 2>) -> u32 {
  var rem = i;
  var off = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let n = at8(p.shape, u32(d));
    off += (rem % n) * at8(strides, u32(d));
    rem /= n;
  }
  return off;
}

fn indexA(i: u32) -> u32 {
  if (MODE_A == 0u) { return i; }
  if (MODE_A == 2u) { return 0u; }
  return offsetOf(i, p.strideA);
}
fn indexB(i: u32) -> u32 {
  if (MODE_B == 0u) { return i; }
  if (MODE_B == 2u) { return 0u; }
  return offsetOf(i, p.strideB);
}
fn indexC(i: u32) -> u32 {
  if (MODE_C == 0u) { return i; }
  if (MODE_C == 2u) { return 0u; }
  return offsetOf(i, p.strideC);
}

// erf and GELU live in common.wgsl (the GEMM epilogue uses GELU too).

// expm1 for |x| < 0.5 as a Taylor polynomial (terms beyond x^9 / 9! are below float32 rounding).
fn expm1Small(x: f32) -> f32 {
  var s = 1.0 / 362880.0;
  s = s * x + 1.0 / 40320.0;
  s = s * x + 1.0 / 5040.0;
  s = s * x + 1.0 / 720.0;
  s = s * x + 1.0 / 120.0;
  s = s * x + 1.0 / 24.0;
  s = s * x + 1.0 / 6.0;
  s = s * x + 0.5;
  s = s * x + 1.0;
  return s * x;
}

// tanh with full relative precision near zero: tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) signed.
fn tanhF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  let t = abs(x);
  if (t > 10.0) { return sign(x); }
  var e: f32;
  if (t < 0.25) { e = expm1Small(-2.0 * t); } else { e = exp(-2.0 * t) - 1.0; }
  return sign(x) * (-e / (2.0 + e));
}

fn sigmoidF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// log(1 + x) accurate for small x: log(u) * x / (u - 1) with u = 1 + x rounded.
fn log1pF(x: f32) -> f32 {
  if (abs(x) < 0.5) { return log1pSeries(x); }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (isNanF(x) || u <= 0.0 || u > 0x1.fffffep+127f) { return logF(u); }
  return log(u) * (x / (u - 1.0));
}

// sin and cos with Cody-Waite range reduction by pi/2 (pi/2 split in three parts, the first two
// short enough that k * part is exact for |k| < 2^12) and Taylor polynomials on [-pi/4, pi/4]
// (truncation below 2e-9). WGSL's builtins are allowed an absolute error of 2^-11; SwiftShader's
// measure about 1e-4 norm-wise. Accurate to float32 rounding for |x| < 6000; beyond that the
// reduction loses bits (as every float32 implementation without extra precision does).
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  var s = 2.7557319223985893e-6;
  s = s * z - 1.984126984126984e-4;
  s = s * z + 8.333333333333333e-3;
  s = s * z - 0.16666666666666666;
  return r + r * z * s;
}

fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  var c = -2.755731922398589e-7;
  c = c * z + 2.48015873015873e-5;
  c = c * z - 1.388888888888889e-3;
  c = c * z + 4.1666666666666664e-2;
  c = c * z - 0.5;
  return 1.0 + z * c;
}

// The quadrant k (mod 4) and the reduced argument r = x - k pi / 2.
fn reduceHalfPi(x: f32) -> vec2<f32> {
  let k = round(x * 0.6366197723675814);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  return vec2<f32>(k, r);
}

fn sinF(x: f32) -> f32 {
  if (isNanF(x) || abs(x) > 0x1.fffffep+127f) { return makeNan(); }
  let kr = reduceHalfPi(x);
  let q = i32(kr.x - 4.0 * floor(kr.x * 0.25));
  switch q {
    case 0: { return sinPoly(kr.y); }
    case 1: { return cosPoly(kr.y); }
    case 2: { return -sinPoly(kr.y); }
    default: { return -cosPoly(kr.y); }
  }
}

fn cosF(x: f32) -> f32 {
  if (isNanF(x) || abs(x) > 0x1.fffffep+127f) { return makeNan(); }
  let kr = reduceHalfPi(x);
  let q = i32(kr.x - 4.0 * floor(kr.x * 0.25));
  switch q {
    case 0: { return cosPoly(kr.y); }
    case 1: { return -sinPoly(kr.y); }
    case 2: { return -cosPoly(kr.y); }
    default: { return sinPoly(kr.y); }
  }
}

fn isOddInteger(y: f32) -> bool {
  return abs(y) < 16777216.0 && floor(y) == y && (i32(y) & 1) == 1;
}

// pow with JavaScript's Math.pow semantics (negative bases with integer exponents, zeros, NaN).
fn powF(x: f32, y: f32) -> f32 {
  if (isNanF(y)) { return y; }
  if (y == 0.0) { return 1.0; }
  if (isNanF(x)) { return x; }
  let ax = abs(x);
  if (abs(y) == makeInf()) {
    if (ax == 1.0) { return makeNan(); }
    if ((ax > 1.0) == (y > 0.0)) { return makeInf(); }
    return 0.0;
  }
  let odd = isOddInteger(y);
  if (x == 0.0) {
    let negZero = (bitcast<u32>(x) & 0x80000000u) != 0u;
    var r = 0.0;
    if (y < 0.0) { r = makeInf(); }
    if (negZero && odd) { r = -r; }
    return r;
  }
  if (ax == makeInf()) {
    var r = 0.0;
    if (y > 0.0) { r = makeInf(); }
    if (x < 0.0 && odd) { r = -r; }
    return r;
  }
  if (x < 0.0 && floor(y) != y) { return makeNan(); }
  var r: f32;
  if (y == 1.0) { r = ax; } else if (y == 2.0) { r = ax * ax; } else if (y == 0.5) { r = sqrt(ax); }
  else if (y == -1.0) { r = 1.0 / ax; } else { r = exp2(y * log2(ax)); }
  if (x < 0.0 && odd) { r = -r; }
  return r;
}

fn unaryF(x: f32) -> f32 {
  switch OP {
    case 0u: { return -x; }
    case 1u: { return abs(x); }
    case 2u: { if (isNanF(x)) { return x; } return sign(x); }
    case 3u: { return expF(x); }
    case 4u: { return logF(x); }
    case 5u: { return log1pF(x); }
    case 6u: { return sqrtF(x); }
    case 7u: { return 1.0 / sqrtF(x); }
    case 8u: { return x * x; }
    case 9u: { return 1.0 / x; }
    case 10u: { return tanhF(x); }
    case 11u: { return sigmoidF(x); }
    case 12u: { if (isNanF(x)) { return x; } return max(x, 0.0); }
    case 13u: { return geluF(x); }
    case 14u: { return erfF(x); }
    case 15u: { return sinF(x); }
    case 16u: { return cosF(x); }
    case 17u: { return floor(x); }
    case 18u: { return select(0.0, 1.0, isNanF(x)); }
    case 19u: { return normcdfF(x); }
    case 20u: { return normpdfF(x); }
    default: { return makeNan(); }
  }
}

// int32 unary ops (those the ops layer allows on int32): neg, abs, sign, square, floor, isnan.
fn unaryI(x: i32) -> i32 {
  switch OP {
    case 0u: { return -x; }
    case 1u: { return abs(x); }
    case 2u: { return sign(x); }
    case 8u: { return x * x; }
    case 17u: { return x; }
    case 18u: { return 0; }
    default: { return 0; }
  }
}

fn binaryF(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return powF(x, y); }
    case 5u: { if (isNanF(x) || isNanF(y)) { return makeNan(); } return select(y, x, x > y); }
    case 6u: { if (isNanF(x) || isNanF(y)) { return makeNan(); } return select(y, x, x < y); }
    case 7u: { return select(0.0, 1.0, x == y); }
    case 8u: { return select(0.0, 1.0, !(x == y)); }
    case 9u: { return select(0.0, 1.0, x < y); }
    case 10u: { return select(0.0, 1.0, x <= y); }
    case 11u: { return select(0.0, 1.0, x > y); }
    case 12u: { return select(0.0, 1.0, x >= y); }
    default: { return makeNan(); }
  }
}

// Integer power as the reference computes it: the float64 power truncated to int32.
fn powI(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) != 0); }
    return 0;
  }
  var r = 1;
  var base = x;
  var e = u32(y);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}

fn binaryI(x: i32, y: i32) -> i32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    // The reference divides in float64 and truncates; x / 0 is +-Infinity or NaN, stored as 0.
    case 3u: { if (y == 0) { return 0; } return x / y; }
    case 4u: { return powI(x, y); }
    case 5u: { return max(x, y); }
    case 6u: { return min(x, y); }
    case 7u: { return select(0, 1, x == y); }
    case 8u: { return select(0, 1, x != y); }
    case 9u: { return select(0, 1, x < y); }
    case 10u: { return select(0, 1, x <= y); }
    case 11u: { return select(0, 1, x > y); }
    case 12u: { return select(0, 1, x >= y); }
    default: { return 0; }
  }
}

fn totalInvocations(nwg: vec3<u32>) -> u32 { return nwg.x * nwg.y * nwg.z * WG; }

@compute @workgroup_size(WG)
fn unary_f32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    out[i] = bitcast<u32>(unaryF(bitcast<f32>(a[i])));
  }
}

@compute @workgroup_size(WG)
fn unary_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    out[i] = bitcast<u32>(unaryI(bitcast<i32>(a[i])));
  }
}

// GELU's gradient g * (cdf + x phi(x)): g in `a`, x in `b`, cdf in `c`, all of the output's size.
@compute @workgroup_size(WG)
fn gelu_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let x = bitcast<f32>(b[i]);
    out[i] = bitcast<u32>(bitcast<f32>(a[i]) * (bitcast<f32>(c[i]) + x * normpdfF(x)));
  }
}

@compute @workgroup_size(WG)
fn binary_f32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let x = bitcast<f32>(a[indexA(i)]);
    let y = bitcast<f32>(b[indexB(i)]);
    out[i] = bitcast<u32>(binaryF(x, y));
  }
}

@compute @workgroup_size(WG)
fn binary_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let x = bitcast<i32>(a[indexA(i)]);
    let y = bitcast<i32>(b[indexB(i)]);
    out[i] = bitcast<u32>(binaryI(x, y));
  }
}

// where(cond, b, c): `a` is the condition; the selected words are copied bit for bit.
@compute @workgroup_size(WG)
fn where_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let w = a[indexA(i)];
    var taken: bool;
    if (COND_INT) { taken = w != 0u; } else { taken = (w & 0x7fffffffu) != 0u; }
    if (taken) { out[i] = b[indexB(i)]; } else { out[i] = c[indexC(i)]; }
  }
}

@compute @workgroup_size(WG)
fn clip_f32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  let lo = bitcast<f32>(p.bounds.x);
  let hi = bitcast<f32>(p.bounds.y);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let v = bitcast<f32>(a[i]);
    var r = v;
    if (v < lo) { r = lo; } else if (v > hi) { r = hi; }
    out[i] = bitcast<u32>(r);
  }
}

@compute @workgroup_size(WG)
fn clip_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  let b4 = bitcast<vec4<i32>>(p.bounds);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let v = bitcast<i32>(a[i]);
    var r = v;
    if (v < b4.x) { r = b4.y; } else if (v > b4.z) { r = b4.w; }
    out[i] = bitcast<u32>(r);
  }
}

// float32 -> int32 as the reference does it: truncate, then wrap modulo 2^32 (NaN and
// infinities give 0), like JavaScript's ToInt32.
@compute @workgroup_size(WG)
fn cast_f32_i32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    let v = bitcast<f32>(a[i]);
    var r = 0u;
    if (!isNanF(v) && abs(v) != makeInf()) {
      let t = trunc(v);
      if (abs(t) < 2147483648.0) {
        r = bitcast<u32>(i32(t));
      } else {
        // |t| >= 2^31: t is a multiple of 2^8, and t mod 2^32 is exact in float32.
        var m = t - 4294967296.0 * floor(t / 4294967296.0);
        if (m >= 2147483648.0) { m = m - 4294967296.0; }
        r = bitcast<u32>(i32(m));
      }
    }
    out[i] = r;
  }
}

@compute @workgroup_size(WG)
fn cast_i32_f32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lidx: u32) {
  let step = totalInvocations(nwg);
  for (var i = flatInvocation(wid, nwg, lidx, WG); i < p.size; i += step) {
    out[i] = bitcast<u32>(f32(bitcast<i32>(a[i])));
  }
}
