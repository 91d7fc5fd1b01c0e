import { fail } from '../errors.js';

/** One input modality of the Perceiver: channels-last input [B, ...axes, channels]. */
export interface PerceiverModality {
  /** Name (the key of the input record). */
  readonly name: string;
  /** Channels of each grid cell or time step. */
  readonly channels: number;
  /** Grid sizes: [7, 7] for AV-MNIST patches, [50] for a sequence. */
  readonly axes: readonly number[];
  /** Fourier bands per axis (6 for 2-D AV-MNIST, 3 for 1-D affect data). */
  readonly bands: number;
  /** Highest frequency of the Fourier features (default 1, as the paper's configuration). */
  readonly maxFreq?: number;
}

/**
 * The configuration of the paper's Perceiver with cross-modal fusion (VARMAT.md 6.1-6.3). The
 * order of `modalities` fixes the one-hot index; the fusion takes them in sorted-name order.
 */
export interface PerceiverConfig {
  readonly modalities: readonly PerceiverModality[];
  readonly classes: number;
  /** Latent array size (default 20 x 64). */
  readonly numLatents?: number;
  readonly latentDim?: number;
  /** Encoder input cross-attention (default 1 head x 64). */
  readonly crossHeads?: number;
  readonly crossDimHead?: number;
  /** Latent self-attention, encoder and fusion (default 6 heads x 64). */
  readonly latentHeads?: number;
  readonly latentDimHead?: number;
  /** Fusion cross-modal attention (default 4 heads x 64). */
  readonly fusionHeads?: number;
  readonly fusionDimHead?: number;
  /** GEGLU width multiplier (default 4). */
  readonly ffMult?: number;
  /** Encoder and fusion layers (default 1 each; further layers have their own weights). */
  readonly depth?: number;
  readonly fusionDepth?: number;
  /** LayerNorm eps (default 1e-5). */
  readonly eps?: number;
}

/** A configuration with every default filled in. */
export type ResolvedPerceiverConfig = Required<PerceiverConfig>;

/** Fills in defaults and checks a configuration. */
export function resolvePerceiverConfig(config: PerceiverConfig): ResolvedPerceiverConfig {
  const op = 'PerceiverFusion';
  if (!config || !Array.isArray(config.modalities) || config.modalities.length < 1) {
    fail('VALUE', op, 'config.modalities', 'at least one modality', config?.modalities);
  }
  const names = new Set<string>();
  config.modalities.forEach((m, i) => {
    if (typeof m.name !== 'string' || m.name.length === 0 || names.has(m.name)) fail('VALUE', op, `config.modalities[${i}].name`, 'a unique non-empty name', m.name);
    names.add(m.name);
    if (!Number.isInteger(m.channels) || m.channels < 1) fail('VALUE', op, `config.modalities[${i}].channels`, 'a positive integer', m.channels);
    if (!Array.isArray(m.axes) || m.axes.length < 1 || !m.axes.every((a: number) => Number.isInteger(a) && a >= 1)) {
      fail('VALUE', op, `config.modalities[${i}].axes`, 'a non-empty list of positive integers', m.axes);
    }
    if (!Number.isInteger(m.bands) || m.bands < 1) fail('VALUE', op, `config.modalities[${i}].bands`, 'a positive integer', m.bands);
  });
  if (!Number.isInteger(config.classes) || config.classes < 1) fail('VALUE', op, 'config.classes', 'a positive integer', config.classes);
  return {
    numLatents: 20, latentDim: 64, crossHeads: 1, crossDimHead: 64, latentHeads: 6, latentDimHead: 64,
    fusionHeads: 4, fusionDimHead: 64, ffMult: 4, depth: 1, fusionDepth: 1, eps: 1e-5,
    ...config,
  } as ResolvedPerceiverConfig;
}

/** Width of one modality's features before padding: channels plus its Fourier features. */
export function featureWidth(m: PerceiverModality): number {
  return m.channels + m.axes.length * (2 * m.bands + 1);
}

/** The common token width D_in = max_m(C_m + A_m (2 nb_m + 1)) + K. */
export function tokenWidth(config: PerceiverConfig): number {
  return Math.max(...config.modalities.map(featureWidth)) + config.modalities.length;
}
