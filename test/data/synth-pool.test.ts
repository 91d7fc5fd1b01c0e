import { describe, expect, it } from 'vitest';
import { VarmatError } from '../../src/errors.js';
import { nodeDataIO } from '../../src/data/node-fs.js';
import { SYNTH_POOL_INDEX_SHA256, loadSynthPool } from '../../src/data/synth-pool.js';
import { sha256Hex } from '../../src/data/sha256.js';
import { decodeImaAdpcm, encodeImaAdpcm } from '../../src/data/ima-adpcm.js';
import { flipByte, tamperedIO } from './helpers.js';

describe('embedded synthetic spoken-digit pool', () => {
  it('has the committed checksum and stays a few MB', async () => {
    const io = await nodeDataIO();
    const dir = io.locations.synthDir!;
    const index = await io.readFile(io.join(dir, 'index.json'));
    const audio = await io.readFile(io.join(dir, 'audio.bin'));
    expect(await sha256Hex(index)).toBe(SYNTH_POOL_INDEX_SHA256);
    expect(index.length + audio.length).toBeLessThan(5_000_000);
  });

  it('splits by voice: no voice family in both train and test, every digit in both', async () => {
    const pool = await loadSynthPool();
    const trainVoices = new Set(pool.train.map((r) => r.speaker));
    const testVoices = new Set(pool.test.map((r) => r.speaker));
    expect(trainVoices.size).toBeGreaterThan(40);
    expect(testVoices.size).toBeGreaterThan(8);
    for (const v of testVoices) expect(trainVoices.has(v)).toBe(false);
    // The engine voices are disjoint too, not only the family names.
    const members = (split: 'train' | 'test') => pool.voices.filter((v) => v.split === split).flatMap((v) => v.members.map((m) => `${v.engine}:${m}`));
    const trainMembers = new Set(members('train'));
    for (const m of members('test')) expect(trainMembers.has(m)).toBe(false);
    for (let d = 0; d < 10; d++) {
      expect(pool.train.filter((r) => r.digit === d).length).toBeGreaterThan(100);
      expect(pool.test.filter((r) => r.digit === d).length).toBeGreaterThan(20);
    }
    expect(pool.train.every((r) => r.sampleRate === 8000 && r.samples.length > 400)).toBe(true);
    const peak = Math.max(...pool.train[0].samples.map(Math.abs));
    expect(peak).toBeGreaterThan(0.5);
  });

  it('damaged pool files are CORRUPT errors', async () => {
    const badAudio = await loadSynthPool({ io: await tamperedIO((p) => p.endsWith('audio.bin'), flipByte(1000)) }).catch((e: unknown) => e);
    expect((badAudio as VarmatError).code).toBe('CORRUPT');
    expect((badAudio as Error).message).toMatch(/audio\.bin expected SHA-256/);
    const badIndex = await loadSynthPool({ io: await tamperedIO((p) => p.endsWith('index.json'), flipByte(10)) }).catch((e: unknown) => e);
    expect((badIndex as VarmatError).code).toBe('CORRUPT');
    const missing = await loadSynthPool({ dir: '/nonexistent/pool' }).catch((e: unknown) => e);
    expect((missing as VarmatError).code).toBe('IO');
  });

  it('IMA ADPCM round-trips speech-like audio closely', () => {
    const pcm = Int16Array.from({ length: 4000 }, (_, i) => Math.round(12000 * Math.sin(i / 7) * Math.sin(i / 300)));
    const back = decodeImaAdpcm(encodeImaAdpcm(pcm), pcm.length);
    let err = 0;
    let sig = 0;
    for (let i = 0; i < pcm.length; i++) {
      err += (back[i] * 32768 - pcm[i]) ** 2;
      sig += pcm[i] ** 2;
    }
    expect(10 * Math.log10(sig / err)).toBeGreaterThan(20);
  });
});
