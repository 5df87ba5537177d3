import { existsSync } from 'node:fs';
import { cp, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '@saekit/core/node';

/** The folder of a run directory that holds the interactive page. */
export const WEB_DIR = 'web';
/** Written beside the page: the run it shows (`../`) and its files; the page reads it on load. */
export const MANIFEST = 'run-manifest.json';
/** Inputs the page shows when they are beside the run (a run directory holds none of its own). */
export const INPUTS_FILES = ['inputs.safetensors', 'inputs.npy'] as const;
/** What of the built page a run gets: the page and its assets; the dist's other pages are the tests'. */
const COPIED = new Set(['index.html', 'assets']);

/** How to look at the page: it needs COOP/COEP headers, which neither file:// nor most servers send. */
export const serveHint = (dir: string): string =>
  `Serve it with \`saekit serve ${dir}\` and open the address it prints (the page needs the COOP/COEP headers that command sends).`;

/** The built page: @saekit/web's dist/, or SAEKIT_WEB_DIST. */
export function webDist(): string {
  const env = process.env.SAEKIT_WEB_DIST;
  let dist: string;
  if (env) dist = resolve(env);
  else {
    try {
      dist = join(dirname(createRequire(import.meta.url).resolve('@saekit/web/package.json')), 'dist');
    } catch {
      throw new Error('the web page (@saekit/web) is not installed; set SAEKIT_WEB_DIST to its built dist/');
    }
  }
  if (!existsSync(join(dist, 'index.html')))
    throw new Error(`${dist}: no index.html; build the page first (pnpm --filter @saekit/web build)`);
  return dist;
}

export interface RunManifest {
  readonly run: string;
  readonly files: { readonly name: string; readonly bytes: number }[];
  readonly inputs?: string;
}

/** The run's files (not folders, not hidden ones), and the inputs file the page should read. */
async function manifestOf(dir: string): Promise<RunManifest> {
  const files: { name: string; bytes: number }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }))
    if (e.isFile() && !e.name.startsWith('.'))
      files.push({ name: e.name, bytes: (await stat(join(dir, e.name))).size });
  files.sort((a, b) => (a.name < b.name ? -1 : 1));
  const inputs = INPUTS_FILES.find((n) => files.some((f) => f.name === n));
  return { run: '../', files, ...(inputs ? { inputs } : {}) };
}

/**
 * Copies the built page into `dir/web/` with a manifest of the run, replacing an older copy: the
 * new one is assembled in a hidden folder and renamed into place, so a reader never sees half.
 * Returns the files written, relative to `dir`.
 */
export async function writeWebPage(dir: string): Promise<string[]> {
  const dist = webDist();
  const tmp = join(dir, `.${WEB_DIR}-${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await cp(dist, tmp, {
    recursive: true,
    filter: (src) => src === dist || COPIED.has(relative(dist, src).split(sep)[0]),
  });
  await writeFileAtomic(join(tmp, MANIFEST), `${JSON.stringify(await manifestOf(dir), null, 2)}\n`);
  const target = join(dir, WEB_DIR);
  await rm(target, { recursive: true, force: true });
  await rename(tmp, target);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk(WEB_DIR);
  return out.sort();
}

/** Rewrites the manifest of a run whose page is already there (after the report added its figures). */
export async function refreshManifest(dir: string): Promise<void> {
  await writeFileAtomic(join(dir, WEB_DIR, MANIFEST), `${JSON.stringify(await manifestOf(dir), null, 2)}\n`);
}
