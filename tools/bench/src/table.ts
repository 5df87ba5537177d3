/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[], nums: boolean[]) =>
    r.map((c, i) => (nums[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ');
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === '-'));
  return [
    line(header, numeric),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r, numeric)),
  ].join('\n');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
