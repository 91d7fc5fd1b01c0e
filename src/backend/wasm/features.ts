/**
 * WebAssembly feature detection with tiny modules: each is one function using one instruction of
 * the feature, so `WebAssembly.validate` answers whether this runtime supports it.
 */

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// Type section: one function type (v128) -> v128.
const TYPE_V128 = [0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b];
const FUNC = [0x03, 0x02, 0x01, 0x00];

function moduleWithBody(body: number[]): Uint8Array<ArrayBuffer> {
  const fn = [0x00, ...body, 0x0b];
  const code = [0x01, fn.length, ...fn];
  return new Uint8Array([...HEADER, ...TYPE_V128, ...FUNC, 0x0a, code.length, ...code]);
}

/** (v) => f32x4.add(v, v) */
const SIMD_MODULE = moduleWithBody([0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01]);
/** (v) => f32x4.relaxed_madd(v, v, v) */
const RELAXED_MODULE = moduleWithBody([0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether this runtime supports 128-bit WebAssembly SIMD. */
export function hasWasmSimd(): boolean {
  return validates(SIMD_MODULE);
}

/** Whether this runtime supports relaxed SIMD (f32x4.relaxed_madd, a fused multiply-add). */
export function hasRelaxedSimd(): boolean {
  return validates(RELAXED_MODULE);
}
