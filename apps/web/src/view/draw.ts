/** The side of a square image of `n` values, or undefined when `n` is not a square. */
export function squareSide(n: number): number | undefined {
  const s = Math.round(Math.sqrt(n));
  return s * s === n ? s : undefined;
}

/**
 * `values` drawn into a canvas: a square image when their count is a square (decoder rows of image
 * data, 8×8 synthetic inputs), else a strip; red positive, blue negative, white zero, scaled to the
 * largest magnitude so each picture uses the full range.
 */
export function drawValues(values: ArrayLike<number>, scale = 6): HTMLCanvasElement {
  const n = values.length;
  const side = squareSide(n);
  const [w, h] = side ? [side, side] : [n, 1];
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.style.width = `${Math.min(w * scale, 160)}px`;
  canvas.style.height = `${side ? Math.min(h * scale, 160) : 12}px`;
  canvas.style.imageRendering = 'pixelated';
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const img = ctx.createImageData(w, h);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(values[i]));
  for (let i = 0; i < n; i++) {
    const t = max > 0 ? values[i] / max : 0;
    const fade = Math.round(255 * (1 - Math.abs(t)));
    img.data.set(t >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** A line chart of `ys` in an SVG element (the loss curve). */
export function drawLine(svg: SVGSVGElement, ys: readonly number[]): void {
  const W = 400;
  const H = 120;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  if (ys.length < 2) {
    svg.replaceChildren();
    return;
  }
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pts = ys.map((y, i) => {
    const px = (i / (ys.length - 1)) * W;
    const py = hi > lo ? H - ((y - lo) / (hi - lo)) * (H - 4) - 2 : H / 2;
    return `${px.toFixed(1)},${py.toFixed(1)}`;
  });
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#c33');
  svg.replaceChildren(line);
}

/** An element with text and class, for building the page. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  cls = '',
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
