/**
 * The preprocessing of VARMAT.md section 6.4 for the affect benchmarks, on plain arrays of shape
 * [N, T, F] (one per modality, row-major float32) plus raw labels.
 *
 * CMU-MOSEI (MultiBench `mosei_senti_data.pkl`, as the authors' loader runs it):
 * 1. audio -inf becomes 0 (MultiBench's loader does this first);
 * 2. samples whose text is all zeros are dropped;
 * 3. each sample is cropped from the first time step with non-zero text ("aligned"), in every modality;
 * 4. each modality is z-normalised per sample over time, per feature: (x - mean) / std with the
 *    unbiased std (torch.std), NaN -> 0 and +-inf -> +-float32 max (torch.nan_to_num);
 * 5. truncated / zero-padded at the end to `steps` (50);
 * 6. label = 1 if the sentiment score >= 0, else 0 (VARMAT.md; MultiBench's own classification
 *    loader uses > 0);
 * 7. sample index = the position after dropping.
 *
 * UR-FUNNY (MultiBench `humor.pkl`): the raw arrays, no z-normalisation; label = labels[i][0] cast to
 * an integer (toward zero); sample index = position.
 */

import { fail } from '../errors.js';

/** One modality: [N, T, F] row-major. */
export interface Sequence3 {
  data: Float32Array;
  shape: [number, number, number];
}

/** Preprocessed arrays: the same modality keys, labels and sample indices. */
export interface AffectSplit {
  modalities: Record<string, Sequence3>;
  labels: Int32Array;
  indices: Int32Array;
}

const F32_MAX = 3.4028234663852886e38;

function checkRows(op: string, modalities: Record<string, Sequence3>, labelRows: number): number {
  for (const [k, m] of Object.entries(modalities)) {
    if (m.shape[0] !== labelRows) fail('SHAPE', op, `${k}`, `${labelRows} samples (as many as labels)`, m.shape);
    if (m.data.length !== m.shape[0] * m.shape[1] * m.shape[2]) fail('SHAPE', op, `${k}.data`, `${m.shape[0] * m.shape[1] * m.shape[2]} values`, m.data.length);
  }
  return labelRows;
}

/**
 * MOSEI preprocessing (see the module comment). `labels` holds one or more values per sample; the
 * first is the sentiment score. `text`/`audio` name the modality keys that hold text and audio.
 *
 * @example
 * const out = preprocessMosei({ vision, audio, text }, scores, 1, { text: 'text', audio: 'audio' });
 */
export function preprocessMosei(
  modalities: Record<string, Sequence3>,
  labels: ArrayLike<number>,
  labelWidth: number,
  keys: { text: string; audio?: string },
  steps = 50,
): AffectSplit {
  const op = 'preprocessMosei';
  const n = checkRows(op, modalities, labels.length / labelWidth);
  const text = modalities[keys.text];
  if (text === undefined) fail('VALUE', op, 'keys.text', `one of ${Object.keys(modalities).join(', ')}`, keys.text);
  const audio = keys.audio !== undefined ? modalities[keys.audio] : undefined;
  const [, tText, fText] = text.shape;
  const keep: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    let first = -1;
    for (let j = 0; j < tText * fText; j++) {
      if (text.data[i * tText * fText + j] !== 0) {
        first = Math.floor(j / fText);
        break;
      }
    }
    if (first >= 0) {
      keep.push(i);
      starts.push(first);
    }
  }
  const m = keep.length;
  const out: Record<string, Sequence3> = {};
  for (const [key, mod] of Object.entries(modalities)) {
    const [, T, F] = mod.shape;
    const dst = new Float32Array(m * steps * F);
    const mean = new Float64Array(F);
    const std = new Float64Array(F);
    for (let r = 0; r < m; r++) {
      const base = keep[r] * T * F;
      const start = starts[r];
      const len = Math.max(0, T - start);
      const src = (t: number, f: number): number => {
        const v = mod.data[base + (start + t) * F + f];
        return mod === audio && v === -Infinity ? 0 : v;
      };
      mean.fill(0);
      std.fill(0);
      for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) mean[f] += src(t, f);
      for (let f = 0; f < F; f++) mean[f] /= len;
      for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) std[f] += (src(t, f) - mean[f]) ** 2;
      for (let f = 0; f < F; f++) std[f] = Math.sqrt(std[f] / (len - 1));
      for (let t = 0; t < Math.min(len, steps); t++) {
        for (let f = 0; f < F; f++) {
          let v = (src(t, f) - mean[f]) / std[f];
          if (Number.isNaN(v)) v = 0;
          else if (v > F32_MAX) v = F32_MAX;
          else if (v < -F32_MAX) v = -F32_MAX;
          dst[(r * steps + t) * F + f] = v;
        }
      }
    }
    out[key] = { data: dst, shape: [m, steps, F] };
  }
  const lab = new Int32Array(m);
  for (let r = 0; r < m; r++) lab[r] = labels[keep[r] * labelWidth] >= 0 ? 1 : 0;
  return { modalities: out, labels: lab, indices: Int32Array.from({ length: m }, (_, i) => i) };
}

/**
 * UR-FUNNY preprocessing: raw arrays; label = the first label value of each sample, truncated to an int.
 *
 * @example
 * const out = preprocessUrFunny({ text, vision, audio }, labels, 1);
 */
export function preprocessUrFunny(modalities: Record<string, Sequence3>, labels: ArrayLike<number>, labelWidth: number): AffectSplit {
  const n = checkRows('preprocessUrFunny', modalities, labels.length / labelWidth);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) lab[i] = Math.trunc(labels[i * labelWidth]);
  return { modalities: { ...modalities }, labels: lab, indices: Int32Array.from({ length: n }, (_, i) => i) };
}
