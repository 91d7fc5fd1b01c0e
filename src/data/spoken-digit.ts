/**
 * The common shape of a spoken-digit recording, whatever its source (FSDD or the synthetic pool).
 */

/** One spoken digit: mono samples in [-1, 1] at `sampleRate`, its digit, and who spoke it. */
export interface SpokenDigit {
  /** A stable identifier, e.g. '3_theo_12' (FSDD) or 'espeak:klatt:3:1' (synthetic). */
  id: string;
  digit: number;
  /** The speaker or voice; splits never share one when they are split by voice. */
  speaker: string;
  sampleRate: number;
  samples: Float32Array;
}

/** A spoken-digit corpus split into train and test recordings. */
export interface SpokenDigitSplits {
  train: SpokenDigit[];
  test: SpokenDigit[];
  /** A SHA-256 that changes whenever the recordings change (used as a cache key). */
  fingerprint: string;
}
