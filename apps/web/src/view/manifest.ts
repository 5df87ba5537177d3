import { parseStrictJson } from '@saekit/core';

/**
 * `saekit report RUN --web` copies the page to RUN/web/ and writes this file beside it, so the page
 * opens the run it was copied into without a ?run= address.
 */
export const MANIFEST = 'run-manifest.json';

export interface RunManifest {
  /** The run directory, relative to the page ("../"). */
  readonly run: string;
  /** The run's files (name and size), as the CLI found them. */
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
  /** The inputs file beside the run, when there is one. */
  readonly inputs?: string;
}

/** The manifest beside the page, or undefined when there is none (the page was not copied into a run). */
export async function fetchManifest(): Promise<RunManifest | undefined> {
  const res = await fetch(MANIFEST);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${MANIFEST}: HTTP ${res.status} ${res.statusText}`);
  return checkManifest(parseStrictJson(await res.text()));
}

export function checkManifest(v: unknown): RunManifest {
  const bad = (what: string): never => {
    throw new Error(`${MANIFEST}: ${what}`);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) return bad('not a JSON object');
  const m = v as Record<string, unknown>;
  if (typeof m.run !== 'string' || !m.run.endsWith('/')) bad('"run" must be a directory path ending in /');
  if (!Array.isArray(m.files)) return bad('"files" must be a list');
  m.files.forEach((f, i) => {
    const e = f as Record<string, unknown>;
    if (typeof e?.name !== 'string' || !Number.isSafeInteger(e.bytes))
      bad(`files[${i}] must be {"name": string, "bytes": integer}`);
  });
  if (m.inputs !== undefined && typeof m.inputs !== 'string') bad('"inputs" must be a file name');
  return m as unknown as RunManifest;
}
