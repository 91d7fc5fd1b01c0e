/** Where a command-line parse stands: the index of the current flag in `args`. */
export interface ArgCursor {
  i: number;
}

/**
 * Readers of the value(s) that follow `flag` (at `args[cursor.i]`): each consumes the next argument
 * (advancing `cursor.i`) and reports a missing or invalid one through `bad` (which throws).
 * `value`: any argument not starting with `--`; `int(min)`: an integer >= min (default 0);
 * `num`: a finite number >= 0.
 *
 * @example
 * for (const cursor = { i: 0 }; cursor.i < args.length; cursor.i++) {
 *   const flag = args[cursor.i];
 *   const { value, int } = flagReader(args, cursor, flag, bad);
 *   if (flag === '--epochs') epochs = int(1);
 * }
 */
export function flagReader(
  args: readonly string[],
  cursor: ArgCursor,
  flag: string,
  bad: (flag: string, expected: string, received: string | undefined) => never,
): { value: () => string; int: (min?: number) => number; num: () => number } {
  const value = (): string => {
    const v = args[++cursor.i];
    if (v === undefined || v.startsWith('--')) bad(flag, 'a value', v);
    return v;
  };
  const int = (min = 0): number => {
    const v = value();
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) bad(flag, `an integer >= ${min}`, v);
    return n;
  };
  const num = (): number => {
    const v = value();
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) bad(flag, 'a number >= 0', v);
    return n;
  };
  return { value, int, num };
}
