import { describe, expect, it } from 'vitest';
import { detCos, detExp, detLog, detLog10, detPow10, detSin } from '../../src/data/det-math.js';
import { Rng } from '../../src/random.js';

describe('det-math', () => {
  it('matches Math within a few ulps over wide ranges', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20000; i++) {
      const x = Math.exp((rng.uniform() - 0.5) * 100);
      expect(Math.abs(detLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
      const y = (rng.uniform() - 0.5) * 200;
      expect(Math.abs(detExp(y) - Math.exp(y))).toBeLessThanOrEqual(4e-16 * Math.exp(y));
      const z = (rng.uniform() - 0.5) * 1000;
      expect(Math.abs(detSin(z) - Math.sin(z))).toBeLessThan(1e-13);
      expect(Math.abs(detCos(z) - Math.cos(z))).toBeLessThan(1e-13);
    }
  });

  it('handles special values', () => {
    expect(detLog(0)).toBe(-Infinity);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(Infinity)).toBe(Infinity);
    expect(detLog(1)).toBe(0);
    expect(detLog(5e-324)).toBeCloseTo(Math.log(5e-324), 10);
    expect(detExp(1000)).toBe(Infinity);
    expect(detExp(-1000)).toBe(0);
    expect(detExp(0)).toBe(1);
    expect(detLog10(1000)).toBeCloseTo(3, 14);
    expect(detPow10(2)).toBeCloseTo(100, 12);
    expect(detSin(0)).toBe(0);
    expect(detCos(0)).toBe(1);
  });
});
