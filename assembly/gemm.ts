// Cache-blocked, register-tiled single-precision GEMM: C = op(A) op(B) (+ C).
//
// Operands are addressed by element strides, so one routine serves every transpose combination:
// element (i, p) of op(A) lives at a + 4 * (i * rsa + p * csa), element (p, j) of op(B) at
// b + 4 * (p * rsb + j * csb). Blocks of op(B) (KC x NC) and op(A) (MC x KC) are packed into
// scratch memory as micro-panels (NR columns, resp. MR rows, interleaved along k, zero-padded),
// then an MR x NR micro-kernel keeps its tile of C in registers for the whole KC loop.
// Accumulation is in f32 within a KC block; blocks are summed into C, which bounds the error
// growth for long dot products.

import { packBIm2col } from './im2col-pack';
import { madd } from './simd';

/** Rows of the register tile. */
export const MR: i32 = 4;
/** Columns of the register tile (two f32x4 vectors in SIMD builds). */
export const NR: i32 = ASC_FEATURE_SIMD ? 8 : 4;
/** Largest depth of a packed block (k is split into equal blocks no deeper than this). */
export const KC: i32 = 512;
/** Rows of a packed A block (a multiple of MR). */
export const MC: i32 = 128;
/** Columns of a packed B block (a multiple of NR). */
export const NC: i32 = 2048;
/**
 * SIMD builds, one block of rows (m <= MC): op(A) is read in place, not packed, when n is at most
 * this (few passes over each row panel, so packing it does not pay), in its MR-row panels: row-major
 * A as MR row pointers walked along k, transposed A ([K, M] storage) as MR consecutive values per k
 * (the packed layout, with a longer step). A last panel of fewer than MR rows is packed. For
 * m > MC, only row-major A, and only in relaxed SIMD builds (where it measured faster).
 */
const DIRECT_A_MAX_N: i32 = 64;
/**
 * SIMD builds, one block of rows: row-major op(B) is read in place, not packed, in its full
 * NR-column panels when m is at most this and the depth block at most DIRECT_B_MAX_KC deep (each
 * panel is then read by few micro-kernels and stays in L1).
 */
const DIRECT_B_MAX_M: i32 = 64;
const DIRECT_B_MAX_KC: i32 = 256;

// @ts-ignore: decorator
@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** `gemm` flag: add into C instead of overwriting it. */
export const ACCUMULATE: i32 = 1;
/** `gemm` flag: B is the virtual im2col matrix of the image group at `b` (geometry in conv-geometry.ts). */
export const B_IM2COL: i32 = 2;
/** `gemm` flag: `a` holds all of op(A) already packed by `packAll`. */
export const A_PACKED: i32 = 4;

/** Depth of the packed blocks for a product of depth k: k split evenly into blocks of at most KC. */
// @ts-ignore: decorator
@inline function kcBlock(k: i32): i32 {
  const kBlocks = (k + KC - 1) / KC;
  return (k + kBlocks - 1) / kBlocks;
}

/** Bytes that `packAll` writes for an m x k op(A). */
export function packedABytes(m: i32, k: i32): usize {
  return <usize>(roundUp(m, MR) * k) << 2;
}

/**
 * Packs all of op(A) (m x k) in the order in which `gemm` consumes it: depth block after depth
 * block, and within one, row block after row block. A matrix used against many B (a convolution's
 * filters against every image) is then packed once.
 */
export function packAll(m: i32, k: i32, a: usize, rsa: i32, csa: i32, dst: usize): void {
  if (m <= 0 || k <= 0) return;
  const kcMax = kcBlock(k);
  const mPad = roundUp(m, MR);
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min<i32>(kcMax, k - pc);
    for (let ic = 0; ic < m; ic += MC) {
      packA(a, rsa, csa, ic, min<i32>(MC, m - ic), pc, kc, dst + (<usize>(pc * mPad + ic * kc) << 2));
    }
  }
}

/** Bytes of scratch that `gemm` needs for an output with `n` columns. */
export function gemmScratchBytes(m: i32, n: i32, k: i32): usize {
  const kc = kcBlock(max<i32>(k, 1));
  const mc = min<i32>(MC, roundUp(max<i32>(m, 1), MR));
  const nc = min<i32>(NC, roundUp(max<i32>(n, 1), NR));
  return (<usize>(mc * kc + kc * nc + MR * NR) << 2) + 64;
}

/** Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into MR-row micro-panels. */
function packA(a: usize, rsa: i32, csa: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min<i32>(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (rows == MR && csa == 1) {
      // Row-major A: four row pointers walked along k, 4 x 4 transposes.
      if (ASC_FEATURE_SIMD) {
        const r0 = a + (<usize>((i0 + ir) * rsa + p0) << 2);
        const rs = <usize>rsa << 2;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const off = <usize>p << 2;
          const v0 = v128.load(r0 + off);
          const v1 = v128.load(r0 + rs + off);
          const v2 = v128.load(r0 + 2 * rs + off);
          const v3 = v128.load(r0 + 3 * rs + off);
          const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          const d = panel + (<usize>p << 4);
          v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
          v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
        }
        for (; p < kc; p++) {
          const src = r0 + (<usize>p << 2);
          const d = panel + (<usize>p << 4);
          for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + <usize>r * rs));
        }
        continue;
      }
    }
    if (rows == MR && rsa == 1) {
      // Transposed A: MR consecutive values per k.
      for (let p = 0; p < kc; p++) {
        const s = a + (<usize>(i0 + ir + (p0 + p) * csa) << 2);
        const d = panel + (<usize>(p * MR) << 2);
        if (ASC_FEATURE_SIMD) {
          v128.store(d, v128.load(s));
        } else {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(s + (<usize>r << 2)));
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const d = panel + (<usize>(p * MR) << 2);
      for (let r = 0; r < MR; r++) {
        const v: f32 = r < rows ? load<f32>(a + (<usize>((i0 + ir + r) * rsa + (p0 + p) * csa) << 2)) : 0;
        store<f32>(d + (<usize>r << 2), v);
      }
    }
  }
}

/** Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into NR-column micro-panels. */
function packB(b: usize, rsb: i32, csb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min<i32>(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (cols == NR && csb == 1) {
      // Row-major B: NR consecutive values per k.
      for (let p = 0; p < kc; p++) {
        const s = b + (<usize>((p0 + p) * rsb + j0 + jr) << 2);
        const d = panel + (<usize>(p * NR) << 2);
        if (ASC_FEATURE_SIMD) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        } else {
          for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
        }
      }
      continue;
    }
    if (ASC_FEATURE_SIMD) {
      if (csb == 1 && cols >= 4) {
        // Row-major B, a last panel of 4 to 7 columns: four values as a vector, the rest one by one.
        for (let p = 0; p < kc; p++) {
          const s = b + (<usize>((p0 + p) * rsb + j0 + jr) << 2);
          const d = panel + (<usize>(p * 8) << 2);
          v128.store(d, v128.load(s));
          for (let j = 4; j < 8; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(s + (<usize>j << 2)) : 0);
        }
        continue;
      }
      if (rsb == 1 && cols >= 4) {
        // Transposed B ([N, K] storage): 4 x 4 transposes of each full group of four columns (two
        // in a full panel); in a last panel of 4 to 7 columns, the second group one by one.
        const groups = cols >> 2;
        const c0 = b + (<usize>((j0 + jr) * csb + p0) << 2);
        const cs = <usize>csb << 2;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const off = <usize>p << 2;
          const d = panel + (<usize>(p * 8) << 2);
          for (let h = 0; h < groups; h++) {
            const s = c0 + <usize>(4 * h) * cs + off;
            const v0 = v128.load(s);
            const v1 = v128.load(s + cs);
            const v2 = v128.load(s + 2 * cs);
            const v3 = v128.load(s + 3 * cs);
            const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
            const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
            const dh = d + (<usize>h << 4);
            v128.store(dh, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(dh + 32, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
            v128.store(dh + 64, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
            v128.store(dh + 96, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
          }
        }
        const pEnd = p;
        for (; p < kc; p++) {
          const d = panel + (<usize>(p * 8) << 2);
          const s = c0 + (<usize>p << 2);
          for (let j = 0; j < 8; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(s + <usize>j * cs) : 0);
        }
        if (groups == 1) {
          for (p = 0; p < pEnd; p++) {
            const d = panel + (<usize>(p * 8) << 2);
            const s = c0 + (<usize>p << 2);
            for (let j = 4; j < 8; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(s + <usize>j * cs) : 0);
          }
        }
        continue;
      }
    }
    for (let p = 0; p < kc; p++) {
      const d = panel + (<usize>(p * NR) << 2);
      for (let j = 0; j < NR; j++) {
        const v: f32 = j < cols ? load<f32>(b + (<usize>((p0 + p) * rsb + (j0 + jr + j) * csb) << 2)) : 0;
        store<f32>(d + (<usize>j << 2), v);
      }
    }
  }
}

/**
 * The SIMD micro-kernel: a 4 x 8 tile of C in 8 f32x4 accumulators over `kc` steps of A (4 values
 * per step, broadcast) and B (8 consecutive values per step). Eight accumulators plus two B vectors
 * and one broadcast fit the 16 registers that V8 gives wasm on x64 without spilling, and cover the
 * latency of a multiply-add (or of a fused one) at two per cycle.
 *
 * Addresses in bytes: step p of B at bp + p bks (packed: bks = 32; row-major B in place: its row
 * stride). Row r of step p of A at ap + p aks + r ars; `rowPtrs` (a constant at each call site)
 * false means ars = 4 (packed A: aks = 16; transposed A in place: aks = its row stride), true
 * means row-major A in place (aks = 4, ars = its row stride).
 */
// @ts-ignore: decorator
@inline function kernelSimd(
  kc: i32, ap: usize, aks: usize, ars: usize, rowPtrs: bool, bp: usize, bks: usize,
  c: usize, ldc: usize, rows: i32, cols: i32, accumulate: bool, tmp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a = ap;
  let b = bp;
  const end = bp + <usize>kc * bks;
  const ars2 = ars << 1;
  const ars3 = ars2 + ars;
  while (b < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = rowPtrs ? v128.load32_splat(a + ars) : v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = rowPtrs ? v128.load32_splat(a + ars2) : v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = rowPtrs ? v128.load32_splat(a + ars3) : v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += aks;
    b += bks;
  }
  if (rows == 4 && cols == 8) {
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
    }
    v128.store(c, c00); v128.store(c, c01, 16);
    v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
    return;
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  storeEdge(tmp, c, ldc, rows, cols, accumulate);
}

/** Writes (or adds) the valid `rows` x `cols` corner of an MR x NR tile held at `tmp` into C. */
function storeEdge(tmp: usize, c: usize, ldc: usize, rows: i32, cols: i32, accumulate: bool): void {
  for (let r = 0; r < rows; r++) {
    const src = tmp + (<usize>(r * NR) << 2);
    const dst = c + <usize>r * ldc;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(src + o);
      store<f32>(dst + o, accumulate ? load<f32>(dst + o) + v : v);
    }
  }
}

/** The scalar micro-kernel: a 4 x 4 tile of C in 16 locals. */
// @ts-ignore: decorator
@inline function kernelScalar(
  kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, rows: i32, cols: i32, accumulate: bool, tmp: usize,
): void {
  let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0;
  let c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
  let c20: f32 = 0, c21: f32 = 0, c22: f32 = 0, c23: f32 = 0;
  let c30: f32 = 0, c31: f32 = 0, c32: f32 = 0, c33: f32 = 0;
  let a = ap;
  let b = bp;
  const end = bp + (<usize>kc << 4);
  while (b < end) {
    const b0 = load<f32>(b), b1 = load<f32>(b, 4), b2 = load<f32>(b, 8), b3 = load<f32>(b, 12);
    let x = load<f32>(a);
    c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
    x = load<f32>(a, 4);
    c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
    x = load<f32>(a, 8);
    c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
    x = load<f32>(a, 12);
    c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
    a += 16;
    b += 16;
  }
  store<f32>(tmp, c00); store<f32>(tmp, c01, 4); store<f32>(tmp, c02, 8); store<f32>(tmp, c03, 12);
  store<f32>(tmp, c10, 16); store<f32>(tmp, c11, 20); store<f32>(tmp, c12, 24); store<f32>(tmp, c13, 28);
  store<f32>(tmp, c20, 32); store<f32>(tmp, c21, 36); store<f32>(tmp, c22, 40); store<f32>(tmp, c23, 44);
  store<f32>(tmp, c30, 48); store<f32>(tmp, c31, 52); store<f32>(tmp, c32, 56); store<f32>(tmp, c33, 60);
  storeEdge(tmp, c, ldc, rows, cols, accumulate);
}

/**
 * C[m x n] (row stride ldc elements) = op(A) op(B), or += with ACCUMULATE. `scratch` holds at
 * least `gemmScratchBytes(m, n, k)` bytes. With B_IM2COL, B is the virtual im2col matrix of the
 * image group at `b` (rsb, csb unused); with A_PACKED, `a` is the output of `packAll` (rsa, csa
 * unused).
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, ldc: i32, flags: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const accumulate = (flags & ACCUMULATE) != 0;
  const im2col = (flags & B_IM2COL) != 0;
  const prepacked = (flags & A_PACKED) != 0;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 2);
    return;
  }
  const kcMax = kcBlock(k);
  const mcMax = min<i32>(MC, roundUp(m, MR));
  const mPad = roundUp(m, MR);
  const packedA = (scratch + 15) & ~(<usize>15);
  const packedB = packedA + (<usize>(mcMax * kcMax) << 2);
  const tmp = packedB + (<usize>(kcMax * min<i32>(NC, roundUp(n, NR))) << 2);
  if (m <= MC) {
    // One block of rows: pack each B panel just before its micro-kernels use it, so that it goes
    // from the packer to the kernels through L1 and is never streamed back from L2. Small operands
    // are read in place (DIRECT_A_MAX_N, DIRECT_B_MAX_M).
    const mFull = ASC_FEATURE_SIMD ? m & ~(MR - 1) : 0;
    const aRows = ASC_FEATURE_SIMD && !prepacked && csa == 1 && n <= DIRECT_A_MAX_N && mFull > 0;
    const aCols = ASC_FEATURE_SIMD && !prepacked && !aRows && rsa == 1 && n <= DIRECT_A_MAX_N && mFull > 0;
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min<i32>(kcMax, k - pc);
      const acc = accumulate || pc > 0;
      let pa = packedA;
      if (prepacked) pa = a + (<usize>(pc * mPad) << 2);
      else if (aRows || aCols) {
        // Only a last panel of fewer than MR rows is packed (at packedA).
        if (mFull < m) packA(a, rsa, csa, mFull, m - mFull, pc, kc, packedA);
        pa = packedA - (<usize>(mFull * kc) << 2);
      } else packA(a, rsa, csa, 0, m, pc, kc, packedA);
      const bDirect = ASC_FEATURE_SIMD && !im2col && csb == 1 && m <= DIRECT_B_MAX_M && kc <= DIRECT_B_MAX_KC;
      for (let jr = 0; jr < n; jr += NR) {
        const cols = min<i32>(NR, n - jr);
        let bp = packedB;
        let bks: usize = <usize>NR << 2;
        if (bDirect && cols == NR) {
          bp = b + (<usize>(pc * rsb + jr) << 2);
          bks = <usize>rsb << 2;
        } else if (im2col) packBIm2col(b, pc, kc, jr, cols, NR, packedB);
        else packB(b, rsb, csb, pc, kc, jr, cols, packedB);
        for (let ir = 0; ir < m; ir += MR) {
          const rows = min<i32>(MR, m - ir);
          const cp = c + <usize>ir * ldcBytes + (<usize>jr << 2);
          if (ASC_FEATURE_SIMD) {
            if (aRows && ir < mFull) {
              const ap = a + (<usize>(ir * rsa + pc) << 2);
              const ars = <usize>rsa << 2;
              kernelSimd(kc, ap, 4, ars, true, bp, bks, cp, ldcBytes, rows, cols, acc, tmp);
            } else {
              // Packed A (aks 16), or transposed A in place (aks: a row of its storage).
              let ap = pa + (<usize>(ir * kc) << 2);
              let aks: usize = 16;
              if (aCols && ir < mFull) {
                ap = a + (<usize>(ir + pc * csa) << 2);
                aks = <usize>csa << 2;
              }
              kernelSimd(kc, ap, aks, 4, false, bp, bks, cp, ldcBytes, rows, cols, acc, tmp);
            }
          } else {
            kernelScalar(kc, pa + (<usize>(ir * kc) << 2), packedB, cp, ldcBytes, rows, cols, acc, tmp);
          }
        }
      }
    }
    return;
  }
  // Relaxed SIMD builds: row-major op(A) is read in place when n is small, as above (its rows are
  // sequential streams). About 3% on [1600 x 256] x [256 x 64]; neutral in the plain SIMD build.
  const mFull = ASC_FEATURE_SIMD ? m & ~(MR - 1) : 0;
  const aRows = ASC_FEATURE_RELAXED_SIMD && !prepacked && csa == 1 && n <= DIRECT_A_MAX_N;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min<i32>(kcMax, k - pc);
      const acc = accumulate || pc > 0;
      if (im2col) packBIm2col(b, pc, kc, jc, nc, NR, packedB);
      else packB(b, rsb, csb, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        let pa = packedA;
        if (prepacked) pa = a + (<usize>(pc * mPad + ic * kc) << 2);
        else if (aRows) {
          // Only a last panel of fewer than MR rows is packed (at packedA).
          if (ic + mc > mFull) packA(a, rsa, csa, mFull, m - mFull, pc, kc, packedA);
          pa = packedA - (<usize>((mFull - ic) * kc) << 2);
        } else packA(a, rsa, csa, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min<i32>(NR, nc - jr);
          const bp = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min<i32>(MR, mc - ir);
            const ap = pa + (<usize>(ir * kc) << 2);
            const cp = c + <usize>(ic + ir) * ldcBytes + (<usize>(jc + jr) << 2);
            if (ASC_FEATURE_SIMD) {
              if (aRows && ic + ir < mFull) {
                const ad = a + (<usize>((ic + ir) * rsa + pc) << 2);
                kernelSimd(kc, ad, 4, <usize>rsa << 2, true, bp, 32, cp, ldcBytes, rows, cols, acc, tmp);
              } else kernelSimd(kc, ap, 16, 4, false, bp, 32, cp, ldcBytes, rows, cols, acc, tmp);
            } else kernelScalar(kc, ap, bp, cp, ldcBytes, rows, cols, acc, tmp);
          }
        }
      }
    }
  }
}

/**
 * Batched matmul as in the backend contract: C[s] = op(A[s]) op(B[s]) for s < batch, where A is
 * [M, K] ([K, M] when transA) and B [K, N] ([N, K] when transB); `strideA`/`strideB` are the
 * element distances between batch entries (0 broadcasts one matrix).
 */
export function matmul(
  a: usize, b: usize, c: usize,
  batch: i32, m: i32, n: i32, k: i32,
  transA: bool, transB: bool, strideA: i32, strideB: i32, scratch: usize,
): void {
  const rsa = transA ? 1 : k;
  const csa = transA ? m : 1;
  const rsb = transB ? 1 : n;
  const csb = transB ? k : 1;
  for (let s = 0; s < batch; s++) {
    gemm(
      m, n, k,
      a + (<usize>(s * strideA) << 2), rsa, csa,
      b + (<usize>(s * strideB) << 2), rsb, csb,
      c + (<usize>(s * m * n) << 2), n, 0, scratch,
    );
  }
}

/**
 * One chunk of a batched matmul split for several threads (same operands as `matmul`). The work is
 * `ceil(batch / per) * splits` chunks: chunk `chunk` is batch entries [s per, min(batch, s per +
 * per)) for s = chunk / splits, and within each part chunk % splits of the rows of C (`byCols` = 0;
 * parts are whole MR-row panels) or of its columns (`byCols` = 1; whole NR-column panels). Chunks
 * write disjoint parts of C, so threads run them in any order; each needs its own `scratch` of
 * `gemmScratchBytes(m, n, k)` bytes.
 */
export function matmulChunk(
  a: usize, b: usize, c: usize,
  m: i32, n: i32, k: i32,
  transA: bool, transB: bool, strideA: i32, strideB: i32, scratch: usize,
  splits: i32, byCols: bool, chunk: i32, batch: i32, per: i32,
): void {
  const rsa = transA ? 1 : k;
  const csa = transA ? m : 1;
  const rsb = transB ? 1 : n;
  const csb = transB ? k : 1;
  const part = chunk % splits;
  const s0 = (chunk / splits) * per;
  const s1 = min<i32>(batch, s0 + per);
  for (let s = s0; s < s1; s++) {
    const as = a + (<usize>(s * strideA) << 2);
    const bs = b + (<usize>(s * strideB) << 2);
    const cs = c + (<usize>(s * m * n) << 2);
    if (byCols) {
      const panels = (n + NR - 1) / NR;
      const j0 = min<i32>(n, ((panels * part) / splits) * NR);
      const j1 = min<i32>(n, ((panels * (part + 1)) / splits) * NR);
      if (j1 <= j0) continue;
      gemm(m, j1 - j0, k, as, rsa, csa, bs + (<usize>(j0 * csb) << 2), rsb, csb, cs + (<usize>j0 << 2), n, 0, scratch);
    } else {
      const panels = (m + MR - 1) / MR;
      const i0 = min<i32>(m, ((panels * part) / splits) * MR);
      const i1 = min<i32>(m, ((panels * (part + 1)) / splits) * MR);
      if (i1 <= i0) continue;
      gemm(i1 - i0, n, k, as + (<usize>(i0 * rsa) << 2), rsa, csa, bs, rsb, csb, cs + (<usize>(i0 * n) << 2), n, 0, scratch);
    }
  }
}
