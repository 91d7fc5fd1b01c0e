/**
 * The one error family of varmat. Every error carries a stable `code` so that callers can branch on
 * it, and a message that names the operation, the argument, what was expected and what was received.
 */
export type VarmatErrorCode =
  | 'SHAPE'
  | 'DTYPE'
  | 'OPTION'
  | 'VALUE'
  | 'BACKEND'
  | 'DISPOSED'
  | 'GRAD'
  | 'NOT_DIFFERENTIABLE'
  | 'IO'
  | 'CORRUPT';

/** Error thrown by varmat. `code` classifies it; `op` names the function that raised it. */
export class VarmatError extends Error {
  readonly code: VarmatErrorCode;
  readonly op: string;
  constructor(code: VarmatErrorCode, op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'VarmatError';
    this.code = code;
    this.op = op;
  }
}

/** Formats a value for an error message: arrays as `[2, 3]`, strings quoted, the rest as-is. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as Uint8Array).length})`;
  if (v !== null && typeof v === 'object') {
    const shape = (v as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `tensor of shape ${show(shape)}`;
    return JSON.stringify(v);
  }
  return String(v);
}

/** Throws a `VarmatError` saying that `arg` of `op` expected `expected` but received `received`. */
export function fail(
  code: VarmatErrorCode,
  op: string,
  arg: string,
  expected: string,
  received: unknown,
): never {
  throw new VarmatError(code, op, `argument '${arg}' expected ${expected}, received ${show(received)}`);
}

/** Rejects options that an op does not know, so that typos never pass silently. */
export function checkOptions(op: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      fail('OPTION', op, 'options', `only ${known.map((k) => `'${k}'`).join(', ')}`, `unknown option '${key}'`);
    }
  }
}
