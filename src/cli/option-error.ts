import { VarmatError } from '../errors.js';

/**
 * Throws the `OPTION` error of a bad command-line argument: `argument '<flag>' expected <expected>,
 * received '<received>'` (or `nothing`), reported by `command` (e.g. 'varmat train').
 *
 * @example
 * badOption('varmat train', '--epochs', 'an integer >= 1', '0');
 */
export function badOption(command: string, flag: string, expected: string, received: string | undefined): never {
  throw new VarmatError('OPTION', command, `argument '${flag}' expected ${expected}, received ${received === undefined ? 'nothing' : `'${received}'`}`);
}
