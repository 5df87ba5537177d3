import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@saekit/core';
import { type GoldenCase, parseGoldenCase } from '@saekit/core/testing';
import { resolveGoldenDir } from './golden-dir.js';
import { joinGoldenDoc, splitGoldenDoc } from './golden-form.js';

/** The case names (file stems) of the `*.json` directly in `dir`, sorted. */
export function listGoldenNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * One case as a document: `<name>.json`, joined with `<name>.safetensors` when that exists (the
 * repo's compact form); a source directory like ../shared/golden has only the JSON.
 */
export function readGoldenDoc(dir: string, name: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
  const st = join(dir, `${name}.safetensors`);
  if (!existsSync(st)) return json;
  return joinGoldenDoc(json, decodeSafetensors(readFileSync(st), st).tensors);
}

/** The compact form's two files, byte for byte as the refresh writes them. */
export function encodeGoldenFiles(doc: Record<string, unknown>): { json: string; safetensors?: Uint8Array } {
  const { json, tensors } = splitGoldenDoc(doc);
  return {
    json: `${JSON.stringify(json, null, 2)}\n`,
    safetensors: Object.keys(tensors).length ? encodeSafetensors(tensors) : undefined,
  };
}

/** Every case of the golden directory (default: resolveGoldenDir()), parsed for `runGoldenCase`. */
export function loadGoldenCases(dir?: string): { name: string; golden: GoldenCase }[] {
  const { dir: found, tried } = dir === undefined ? resolveGoldenDir() : { dir, tried: [dir] };
  if (!found) throw new Error(`golden dir not found (tried ${tried.join(', ')})`);
  return listGoldenNames(found).map((name) => ({
    name,
    golden: parseGoldenCase(readGoldenDoc(found, name)),
  }));
}
