/**
 * Saving and restoring the fast-AT attacks' per-sample memories (EP/MEP/PCO priors, MEP momentum)
 * next to a training checkpoint, so that `--resume` continues exactly. File layout: 4-byte
 * little-endian header length, a JSON header, then float32 rows (8-byte aligned) and int32 indices.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { VarmatError } from '../errors.js';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import type { MemoryBank, MemoryBankState } from '../attacks/fast-at/memory-bank.js';
import type { FastAtAttack } from '../attacks/fast-at/fast-at-attack.js';

/** The named memory banks of a fast-AT attack (its prior, and MEP's momentum when present). */
export function attackBanks(attack: FastAtAttack): Record<string, MemoryBank> {
  const out: Record<string, MemoryBank> = { prior: attack.memory };
  const mom = (attack as unknown as { momentumBank?: MemoryBank }).momentumBank;
  if (mom) out.momentum = mom;
  return out;
}

/**
 * Writes every bank of `attack` to `path` (atomically).
 *
 * @example
 * await saveBanks('runs/a/last.banks.bin', attack);
 */
export async function saveBanks(path: string, attack: FastAtAttack): Promise<void> {
  const header: { banks: Record<string, { shapes: Record<string, number[]>; rows: Record<string, { n: number; offset: number; indexOffset: number }> }> } = { banks: {} };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, bank] of Object.entries(attackBanks(attack))) {
    const s = await bank.exportState();
    const rows: Record<string, { n: number; offset: number; indexOffset: number }> = {};
    for (const [m, r] of Object.entries(s.rows)) {
      const data = Float32Array.from(r.data);
      const dataBytes = new Uint8Array(data.buffer);
      const idxBytes = new Uint8Array(Int32Array.from(r.indices).buffer);
      rows[m] = { n: r.indices.length, offset, indexOffset: offset + dataBytes.length };
      chunks.push(dataBytes, idxBytes);
      offset += dataBytes.length + idxBytes.length;
    }
    header.banks[name] = { shapes: s.shapes, rows };
  }
  const head = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((4 + head.length) % 8)) % 8;
  const out = new Uint8Array(4 + head.length + pad + offset);
  new DataView(out.buffer).setUint32(0, head.length + pad, true);
  out.set(head, 4);
  out.fill(0x20, 4 + head.length, 4 + head.length + pad);
  let at = 4 + head.length + pad;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  await writeFileAtomic(path, out);
}

/**
 * Restores the banks written by `saveBanks` into `attack` (float32 on `backend`).
 *
 * @example
 * await loadBanks('runs/a/last.banks.bin', attack, 'wasm');
 */
export async function loadBanks(path: string, attack: FastAtAttack, backend: 'reference' | 'wasm' | 'webgpu', dtype: 'float32' | 'float64' = 'float32'): Promise<void> {
  if (!existsSync(path)) throw new VarmatError('IO', 'loadBanks', `'${path}' does not exist: the fast-AT memories cannot be restored`);
  const bytes = new Uint8Array(await readFile(path));
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as { banks: Record<string, { shapes: Record<string, number[]>; rows: Record<string, { n: number; offset: number; indexOffset: number }> }> };
  const base = bytes.byteOffset + 4 + len;
  const banks = attackBanks(attack);
  for (const [name, bank] of Object.entries(banks)) {
    const h = header.banks[name];
    if (!h) { bank.clear(); continue; }
    const state: MemoryBankState = { shapes: h.shapes, rows: {} };
    for (const [m, r] of Object.entries(h.rows)) {
      const per = (h.shapes[m] ?? []).reduce((a, b) => a * b, 1);
      const data = new Float32Array(bytes.buffer.slice(base + r.offset, base + r.offset + 4 * per * r.n));
      const indices = new Int32Array(bytes.buffer.slice(base + r.indexOffset, base + r.indexOffset + 4 * r.n));
      state.rows[m] = { indices, data: dtype === 'float64' ? Float64Array.from(data) : data };
    }
    bank.importState(state, { dtype, backend });
  }
}
