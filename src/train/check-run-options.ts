import { fail } from '../errors.js';

/**
 * Checks the options every training loop shares: `epochs` and `batchSize` positive integers, `seed`
 * a non-negative safe integer. Throws a `VALUE` error naming `op` otherwise.
 *
 * @example
 * checkRunOptions('trainClassifier', { epochs: 5, batchSize: 40, seed: 0 });
 */
export function checkRunOptions(op: string, options: { epochs: number; batchSize: number; seed: number }): void {
  const { epochs, batchSize, seed } = options;
  if (!Number.isInteger(epochs) || epochs < 1) fail('VALUE', op, 'epochs', 'a positive integer', epochs);
  if (!Number.isInteger(batchSize) || batchSize < 1) fail('VALUE', op, 'batchSize', 'a positive integer', batchSize);
  if (!Number.isSafeInteger(seed) || seed < 0) fail('VALUE', op, 'seed', 'a non-negative integer', seed);
}
