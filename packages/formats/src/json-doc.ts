/** Config documents: strict JSON (duplicate keys refused) read into typed fields with named errors. */
import { type JsonValue, parseStrictJson } from '@saekit/core';
import { fail } from './errors.js';
import type { ByteSource } from './source.js';
import { readAll } from './source.js';

export type JsonDoc = { readonly [key: string]: JsonValue };

/** Config files are small; a larger one is not a config. */
const MAX_CONFIG_BYTES = 1 << 20;

export async function readJsonDoc(src: ByteSource): Promise<JsonDoc> {
  let bytes: Uint8Array;
  try {
    bytes = await readAll(src, MAX_CONFIG_BYTES);
  } finally {
    await src.close?.();
  }
  let doc: JsonValue;
  try {
    doc = parseStrictJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return fail(src.name, `not valid JSON (${(e as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return fail(src.name, 'not a JSON object');
  return doc;
}

/** A positive integer field. */
export function count(doc: JsonDoc, key: string, source: string): number {
  const v = doc[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    fail(source, `${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** A boolean field (null and absent mean `dflt`, as Python's None does). */
export function flag(doc: JsonDoc, key: string, dflt: boolean, source: string): boolean {
  const v = doc[key] ?? dflt;
  if (typeof v !== 'boolean') fail(source, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v as boolean;
}
