/** Test helpers for the data layer: in-memory and tampering file access, a tiny ZIP writer. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { crc32 } from '../../src/data/crc32.js';
import type { DataIO } from '../../src/data/data-io.js';
import type { DatasetSplits } from '../../src/data/dataset.js';
import { nodeDataIO } from '../../src/data/node-fs.js';

/** A new temporary folder, removed when the current test finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Node file access whose reads of paths matching `match` go through `mutate` (to fake corruption). */
export async function tamperedIO(match: (path: string) => boolean, mutate: (bytes: Uint8Array) => Uint8Array): Promise<DataIO> {
  const base = await nodeDataIO();
  return {
    ...base,
    async readFile(path: string): Promise<Uint8Array> {
      const bytes = await base.readFile(path);
      return match(path) ? mutate(bytes.slice()) : bytes;
    },
  };
}

/** Flips one byte of a copy. */
export function flipByte(at: number): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const out = bytes.slice();
    out[at] ^= 0xff;
    return out;
  };
}

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Writes a ZIP archive (stored or deflate entries, no ZIP64), as a test fixture writer. */
export async function writeZip(files: Record<string, Uint8Array>, method: 0 | 8): Promise<Uint8Array> {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const names = Object.keys(files);
  for (const name of names) {
    const data = files[name];
    const body = method === 8 ? await deflateRaw(data) : data;
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const lh = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lh.set(nameBytes, 30);
    const ch = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    ch.set(nameBytes, 46);
    local.push(lh, body);
    central.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, names.length, true);
  ev.setUint16(10, names.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...local, ...central, end];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Concatenates every array of the train/val/test splits of a build, as bytes, for byte-identity checks. */
export function datasetBytes(splits: DatasetSplits): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const key of ['train', 'val', 'test'] as const) {
    const s = splits[key];
    for (const m of Object.keys(s.inputs).sort()) parts.push(new Uint8Array(s.inputs[m].data.buffer, s.inputs[m].data.byteOffset, s.inputs[m].data.byteLength));
    parts.push(new Uint8Array(s.labels.buffer, s.labels.byteOffset, s.labels.byteLength));
    parts.push(new Uint8Array(s.indices.buffer, s.indices.byteOffset, s.indices.byteLength));
    for (const k of Object.keys(s.meta).sort()) parts.push(new Uint8Array(s.meta[k].buffer, s.meta[k].byteOffset, s.meta[k].byteLength));
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
