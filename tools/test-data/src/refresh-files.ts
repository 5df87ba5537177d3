// The repo's golden copy as a function of its source: each case in the compact form
// (golden-form.ts), each README.md as SOURCE.md, nothing the source does not have.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { encodeGoldenFiles } from './golden-files.js';

/** Our own README at the top of the copy; the refresh never writes or removes it. */
const OWN_FILES = new Set(['README.md']);

/** The files the copy should hold, by path relative to it, from every file under `from`. */
export function goldenCopy(from: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const visit = (dir: string): void => {
    for (const f of readdirSync(dir).sort()) {
      const src = join(dir, f);
      const rel = relative(from, src);
      if (statSync(src).isDirectory()) visit(src);
      else if (f.endsWith('.json')) {
        const files = encodeGoldenFiles(JSON.parse(readFileSync(src, 'utf8')) as Record<string, unknown>);
        out.set(rel, new TextEncoder().encode(files.json));
        if (files.safetensors) out.set(`${rel.slice(0, -'.json'.length)}.safetensors`, files.safetensors);
      } else out.set(f === 'README.md' ? join(dirname(rel), 'SOURCE.md') : rel, readFileSync(src));
    }
  };
  visit(from);
  return out;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) visit(p);
      else out.push(relative(dir, p));
    }
  };
  visit(dir);
  return out.filter((f) => !OWN_FILES.has(f)).sort();
}

/** Differences between the copy in `to` and what `from` gives: changed, missing and stale paths. */
export function goldenDiff(from: string, to: string): string[] {
  const want = goldenCopy(from);
  const diffs: string[] = [];
  for (const [rel, bytes] of want) {
    let have: Uint8Array | undefined;
    try {
      have = readFileSync(join(to, rel));
    } catch {}
    if (!have) diffs.push(`missing ${rel}`);
    else if (Buffer.compare(have, bytes) !== 0) diffs.push(`differs ${rel}`);
  }
  for (const rel of filesUnder(to)) if (!want.has(rel)) diffs.push(`stale ${rel}`);
  return diffs;
}

/** Makes `to` the copy of `from`: writes every file and removes the ones `from` no longer gives. */
export function writeGoldenCopy(from: string, to: string): number {
  const want = goldenCopy(from);
  if (statSync(to, { throwIfNoEntry: false })?.isDirectory())
    for (const rel of filesUnder(to)) if (!want.has(rel)) rmSync(join(to, rel));
  for (const [rel, bytes] of want) {
    mkdirSync(dirname(join(to, rel)), { recursive: true });
    writeFileSync(join(to, rel), bytes);
  }
  return want.size;
}
