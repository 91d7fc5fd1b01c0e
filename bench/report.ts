import { writeFileSync } from 'node:fs';

/** Lines printed by a bench, kept so that `--out FILE` can save the same report. */
const lines: string[] = [];

/** Prints a line and keeps it for `saveReport`. */
export function print(line = ''): void {
  console.log(line);
  lines.push(line);
}

/** Writes every printed line to `file`. */
export function saveReport(file: string): void {
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Seeded values in [-1, 1) from a linear congruential generator: cheap, and the same in every bench. */
export function random(n: number, seed: number): Float32Array {
  let s = seed;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}
