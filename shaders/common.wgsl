// common.wgsl: helpers shared by every kernel family. The backend prepends this file to each
// family's source before compiling it, so names here are reserved in all families.

// A NaN made at run time (a constant expression that evaluates to NaN is a compile error in WGSL).
var<private> nanBits: u32 = 0x7fc00000u;
var<private> infBits: u32 = 0x7f800000u;

fn makeNan() -> f32 { return bitcast<f32>(nanBits); }
fn makeInf() -> f32 { return bitcast<f32>(infBits); }

// NaN test on the bits: immune to compilers that assume finite math.
fn isNanF(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }

// The flat index of this workgroup. The host folds grids of more than 65,535 workgroups per
// dimension into two or three dimensions; kernels undo that here and skip indices past the end.
fn flatGroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + nwg.x * (wid.y + nwg.y * wid.z);
}

// The flat index of this invocation, for kernels of one invocation per element.
fn flatInvocation(wid: vec3<u32>, nwg: vec3<u32>, lidx: u32, wgSize: u32) -> u32 {
  return flatGroup(wid, nwg) * wgSize + lidx;
}

// Element d of an 8-entry array packed as two vec4s (shapes and strides in uniforms).
fn at8(a: array<vec4<u32>, 2>, d: u32) -> u32 { return a[d >> 2u][d & 3u]; }

// exp and log with IEEE special values: SwiftShader's builtins return finite numbers for NaN and
// for negative logarithm arguments, so the special cases are handled here. Subnormal inputs may be
// flushed to zero (WGSL allows it; SwiftShader does).
fn expF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  return exp(x);
}

// log(1 + x) = 2 atanh(s), s = x / (2 + x), for |x| < 0.5 (|s| < 0.2: the series to s^13 is
// below float32 rounding). Builtin logarithms lose relative precision near 1.
fn log1pSeries(x: f32) -> f32 {
  let s = x / (2.0 + x);
  let z = s * s;
  var t = 1.0 / 13.0;
  t = t * z + 1.0 / 11.0;
  t = t * z + 1.0 / 9.0;
  t = t * z + 1.0 / 7.0;
  t = t * z + 1.0 / 5.0;
  t = t * z + 1.0 / 3.0;
  return 2.0 * (s + s * z * t);
}

fn logF(x: f32) -> f32 {
  if (isNanF(x) || x < 0.0) { return makeNan(); }
  if (x == 0.0) { return -makeInf(); }
  // x - 1 is exact here (Sterbenz).
  if (x > 0.6 && x < 1.5) { return log1pSeries(x - 1.0); }
  return log(x);
}

fn sqrtF(x: f32) -> f32 {
  if (isNanF(x) || x < 0.0) { return makeNan(); }
  return sqrt(x);
}
