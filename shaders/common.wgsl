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

// ---- erf and GELU in float32 ------------------------------------------------------------------------
// Coefficients fitted for varmat by weighted least squares on Chebyshev nodes against the float64
// reference erf (max relative error of the formulas in float64: 1.4e-9 and 3.5e-9).

// erf(x) / x as a polynomial in z = x^2, for |x| < 1.
fn erfSmall(x: f32) -> f32 {
  let z = x * x;
  var s = 0.0000789729695937905;
  s = s * z - 0.0008024079550584413;
  s = s * z + 0.005190022683385613;
  s = s * z - 0.026854792597755996;
  s = s * z + 0.11283612061703463;
  s = s * z - 0.3761262881397683;
  s = s * z + 1.1283791665075997;
  return x * s;
}

// exp(-t^2) without the rounding error of t^2: t = hi + lo with hi^2 exact in float32.
fn expNegSquare(t: f32) -> f32 {
  let hi = bitcast<f32>(bitcast<u32>(t) & 0xfffff000u);
  let lo = t - hi;
  return exp(-hi * hi) * exp(-lo * (t + hi));
}

// erfc(t) for t >= 1: exp(-t^2) / t * Q(s), s = 2 / (2 + t).
fn erfcLarge(t: f32) -> f32 {
  let s = 2.0 / (2.0 + t);
  var q = 0.10204603133439913;
  q = q * s - 0.4805341996490181;
  q = q * s + 0.7481668182944262;
  q = q * s - 0.35192537034698185;
  q = q * s + 0.010077188889447057;
  q = q * s - 0.19794564526981753;
  q = q * s - 0.18286480369416874;
  q = q * s - 0.1411544872680675;
  q = q * s - 0.07052310932487654;
  q = q * s + 6.558755598393108e-8;
  q = q * s + 0.5641895831382533;
  return expNegSquare(t) * q / t;
}

fn erfF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  let t = abs(x);
  if (t < 1.0) { return erfSmall(x); }
  if (t >= 10.0) { return sign(x); }
  return sign(x) * (1.0 - erfcLarge(t));
}

// The standard normal CDF 0.5 (1 + erf(x / sqrt 2)); on the far left 0.5 erfc(|x| / sqrt 2).
fn normcdfF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  let t = x * 0.7071067811865476;
  if (t <= -1.0) {
    if (t <= -10.0) { return 0.0; }
    return 0.5 * erfcLarge(-t);
  }
  return 0.5 * (1.0 + erfF(t));
}

// The standard normal density exp(-x^2 / 2) / sqrt(2 pi) (0 beyond |x| = 15, where float32 underflows).
fn normpdfF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  let t = abs(x);
  if (t > 15.0) { return 0.0; }
  return 0.3989422804014327 * expNegSquare(t * 0.7071067811865476);
}

// GELU, exact form: 0.5 x (1 + erf(x / sqrt 2)); on the far left 0.5 x erfc(|x| / sqrt 2), which
// keeps full relative precision where 1 + erf would cancel.
fn geluF(x: f32) -> f32 {
  if (isNanF(x)) { return x; }
  if (abs(x) > 0x1.fffffep+127f) { return select(makeNan(), x, x > 0.0); }
  let t = x * 0.7071067811865476;
  if (t <= -1.0) {
    if (t <= -10.0) { return -0.0; }
    return 0.5 * x * erfcLarge(-t);
  }
  return 0.5 * x * (1.0 + erfF(t));
}

