// Small pictures for the page: grey-scale images and signed perturbations on canvases, bar and
// line charts as inline SVG. No chart library.

/**
 * Draws an [h, w] array on a canvas: grey levels between `lo` (black) and `hi` (white), or, with
 * `signed`, red for positive and blue for negative values scaled by the largest magnitude.
 *
 * @example
 * drawArray(canvas, sample.data, 28, 28, { lo: 0, hi: 1 });
 */
export function drawArray(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number, opts: { lo?: number; hi?: number; signed?: boolean } = {}): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  let scale = 0;
  if (opts.signed) for (let i = 0; i < h * w; i++) scale = Math.max(scale, Math.abs(data[i]));
  const lo = opts.lo ?? 0;
  const hi = opts.hi ?? 1;
  for (let i = 0; i < h * w; i++) {
    const v = data[i];
    let r: number;
    let g: number;
    let b: number;
    if (opts.signed) {
      const t = scale > 0 ? v / scale : 0;
      r = t > 0 ? 255 : 255 * (1 + t);
      b = t < 0 ? 255 : 255 * (1 - t);
      g = 255 * (1 - Math.abs(t));
    } else {
      r = g = b = 255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    }
    img.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A number in at most ~7 characters (exponent form below 0.01). */
function short(v: number): string {
  return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(1) : v.toPrecision(3);
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** One bar: its label, value and colour. */
export interface Bar {
  label: string;
  value: number;
  color: string;
}

/**
 * Horizontal bars scaled to the largest value (or `max`), each labelled with its value.
 *
 * @example
 * barChart(svg, [{ label: 'image', value: 0.3, color: '#36c' }]);
 */
export function barChart(svg: SVGSVGElement, bars: Bar[], max?: number): void {
  const width = 320;
  const row = 20;
  const left = 110;
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${row * bars.length + 4}`);
  const top = max ?? Math.max(1e-12, ...bars.map((b) => b.value));
  bars.forEach((b, i) => {
    const y = i * row + 2;
    const len = Math.max(0, Math.min(1, b.value / top)) * (width - left - 60);
    svg.append(el('text', { x: left - 6, y: y + 13, 'text-anchor': 'end', class: 'label' }, b.label));
    svg.append(el('rect', { x: left, y: y + 2, width: len, height: row - 6, fill: b.color }));
    svg.append(el('text', { x: left + len + 4, y: y + 13, class: 'value' }, short(b.value)));
  });
}

/** One line of a line chart. */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

/**
 * A line chart of a few series on one y scale (from the data, or `range`), x = step.
 *
 * @example
 * lineChart(svg, 'loss', [{ name: 'loss', color: '#c33', values: [2.1, 1.9] }]);
 */
export function lineChart(svg: SVGSVGElement, title: string, series: Series[], range?: [number, number]): void {
  const width = 300;
  const height = 130;
  const pad = { l: 52, r: 8, t: 22, b: 18 };
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  let [lo, hi] = range ?? [Math.min(...all), Math.max(...all)];
  if (!all.length) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (i: number) => pad.l + (i / (n - 1)) * (width - pad.l - pad.r);
  const y = (v: number) => height - pad.b - ((v - lo) / (hi - lo)) * (height - pad.t - pad.b);
  svg.append(el('text', { x: pad.l, y: 12, class: 'title' }, title));
  svg.append(el('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: 'axis' }));
  svg.append(el('text', { x: pad.l - 4, y: y(hi) + 4, 'text-anchor': 'end', class: 'value' }, short(hi)));
  svg.append(el('text', { x: pad.l - 4, y: y(lo), 'text-anchor': 'end', class: 'value' }, short(lo)));
  svg.append(el('text', { x: pad.l, y: height - 4, class: 'value' }, 'step 1'));
  svg.append(el('text', { x: width - pad.r, y: height - 4, 'text-anchor': 'end', class: 'value' }, `${n}`));
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ');
    svg.append(el('polyline', { points, fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    if (series.length > 1) svg.append(el('text', { x: width - pad.r - 50 * (series.length - 1 - k), y: 12, 'text-anchor': 'end', fill: s.color, class: 'legend' }, s.name));
  });
}
