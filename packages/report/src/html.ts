/**
 * A self-contained index.html for a run: no scripts, no external CSS or fonts, images referenced by
 * relative paths to the PNGs written beside it, so it opens offline from the file system.
 */

export interface IndexHtmlOptions {
  title: string;
  /** Run configuration; nested plain objects are flattened to dotted keys. */
  config: Record<string, unknown>;
  metrics: Record<string, number | string>;
  /** PNG files beside index.html (relative paths, no `..`), in display order. */
  figures: { file: string; caption: string }[];
  /** An interactive page beside the report (a relative path) and how to open it. */
  page?: { href: string; how: string };
}

const FN = 'indexHtml';

/** Escape text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A relative path as a URL: each segment percent-encoded. Absolute paths, URLs and `..` are refused. */
function relativeUrl(file: string): string {
  if (typeof file !== 'string' || file.trim() === '') throw new TypeError(`${FN}: a figure file is empty`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) || file.startsWith('/') || file.startsWith('\\')) {
    throw new RangeError(
      `${FN}: figure file ${JSON.stringify(file)} must be a relative path beside index.html`,
    );
  }
  const segments = file.split(/[\\/]/);
  if (segments.some((s) => s === '..' || s === '')) {
    throw new RangeError(`${FN}: figure file ${JSON.stringify(file)} must stay inside the report folder`);
  }
  return segments.map(encodeURIComponent).join('/');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: [string, unknown][]): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (isPlainObject(v) && Object.keys(v).length > 0) flatten(v, key, out);
    else out.push([key, v]);
  }
}

function configValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null)
    return String(v);
  try {
    const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
    return json ?? String(v);
  } catch {
    return String(v);
  }
}

function metricValue(v: number | string): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function table(rows: [string, string][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const body = rows
    .map(([k, v]) => `      <tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('\n');
  return `<table>\n    <tbody>\n${body}\n    </tbody>\n  </table>`;
}

const STYLE = `
  body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
  main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
  h1 { font-size: 1.6rem; margin: 0 0 16px; }
  h2 { font-size: 1.15rem; margin: 32px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
  table { border-collapse: collapse; font-size: 0.92rem; background: #fff; }
  th, td { text-align: left; padding: 4px 12px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; white-space: nowrap; }
  td { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; word-break: break-word; }
  figure { margin: 0 0 28px; background: #fff; border: 1px solid #e4e4e4; padding: 12px; }
  figure img { max-width: 100%; height: auto; display: block; }
  figcaption { margin-top: 8px; font-size: 0.92rem; color: #444; }
  .empty { color: #777; }
`;

function pageSection(page: { href: string; how: string }): string {
  const href = escapeHtml(relativeUrl(page.href));
  return `<section>
  <h2>Interactive page</h2>
  <p><a id="web-page" href="${href}">Open the interactive page</a> (gallery of latents, top inputs, reconstructions). ${escapeHtml(page.how)}</p>
</section>
`;
}

/** The report page: title, metrics table, figures with captions, configuration table. */
export function indexHtml(opts: IndexHtmlOptions): string {
  const { title, config, metrics, figures, page } = opts;
  if (typeof title !== 'string') throw new TypeError(`${FN}: title must be a string`);
  if (!isPlainObject(config)) throw new TypeError(`${FN}: config must be a plain object`);
  if (!isPlainObject(metrics)) throw new TypeError(`${FN}: metrics must be a plain object`);
  if (!Array.isArray(figures)) throw new TypeError(`${FN}: figures must be an array`);

  const configRows: [string, string][] = [];
  const flat: [string, unknown][] = [];
  flatten(config, '', flat);
  for (const [k, v] of flat) configRows.push([k, configValue(v)]);
  const metricRows = Object.entries(metrics).map(([k, v]): [string, string] => [k, metricValue(v)]);
  const figureHtml = figures
    .map(({ file, caption }) => {
      const src = escapeHtml(relativeUrl(file));
      const text = escapeHtml(String(caption ?? ''));
      return `  <figure>\n    <img src="${src}" alt="${text}">\n    <figcaption>${text}</figcaption>\n  </figure>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${page ? pageSection(page) : ''}<section>
  <h2>Metrics</h2>
  ${table(metricRows, 'No metrics.')}
</section>
<section>
  <h2>Figures</h2>
${figureHtml === '' ? '  <p class="empty">No figures.</p>' : figureHtml}
</section>
<section>
  <h2>Configuration</h2>
  ${table(configRows, 'No configuration.')}
</section>
</main>
</body>
</html>
`;
}
