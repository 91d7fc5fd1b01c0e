/**
 * The pool's size class of a request: the next multiple of a quarter of the power of two below
 * it (at most 25% waste), never below 64 bytes; always a multiple of 16 bytes, so vec4 views of
 * every buffer are whole.
 *
 * @example
 * sizeClass(100); // 112
 * sizeClass(4096); // 4096
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(Math.ceil(bytes), 64);
  const p = 2 ** Math.floor(Math.log2(b));
  if (b === p) return p;
  const quarter = p / 4;
  return Math.ceil(b / quarter) * quarter;
}
