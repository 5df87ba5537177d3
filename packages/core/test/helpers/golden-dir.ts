import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors } from '../../src/index.js';

/** The repo's copy of the modern PyTorch cases (core's tests cannot depend on @saekit/test-data). */
export const MODERN_GOLDEN_DIR = fileURLToPath(
  new URL('../../../../tools/test-data/golden/modern/', import.meta.url),
);

/**
 * One case as a document: the JSON with each tensor of the `.safetensors` beside it put back at
 * its dotted path (the compact form @saekit/test-data writes), as flat Float32Arrays.
 */
export function readModernGoldenDocs(
  dir = MODERN_GOLDEN_DIR,
): { name: string; doc: Record<string, unknown> }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      const st = join(dir, f.replace(/\.json$/, '.safetensors'));
      if (existsSync(st)) {
        for (const [path, t] of Object.entries(decodeSafetensors(readFileSync(st), st).tensors)) {
          const keys = path.split('.');
          let o = doc;
          for (const k of keys.slice(0, -1)) {
            o[k] ??= {};
            o = o[k] as Record<string, unknown>;
          }
          o[keys[keys.length - 1]] = t.data;
        }
      }
      return { name: f.replace(/\.json$/, ''), doc };
    });
}
