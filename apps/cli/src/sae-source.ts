/**
 * `--model` / PATH for every command: a saekit run or checkpoint directory, or an SAE published in
 * any format @saekit/formats reads (SAELens, sparsify, Gemma Scope, Llama Scope), or an http(s) URL
 * of such a folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnySaeConfig, isModernConfig, parseStrictJson, type SaeParams } from '@saekit/core';
import { fromSaekit, type LoadedSae, type LoadOptions, loadSae, toSaekit, urlFiles } from '@saekit/formats';
import { loadSaePath } from '@saekit/formats/node';
import { readModel } from './run-dir.js';

/** A saekit model, and the published description of it when it has one. */
export type CliSae =
  | { readonly kind: 'saekit'; readonly config: AnySaeConfig; readonly params: SaeParams }
  | { readonly kind: 'published'; readonly sae: LoadedSae };

/** True for a directory whose cfg.json carries saekit's own full config. */
async function isSaekitDir(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    const doc = parseStrictJson(await readFile(join(path, 'cfg.json'), 'utf8'));
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'saekit' in doc;
  } catch {
    // Not ours (or unreadable): the published-format reader says what is wrong.
    return false;
  }
}

export async function loadSaeForCli(path: string, opts: LoadOptions = {}): Promise<CliSae> {
  if (await isSaekitDir(path)) return { kind: 'saekit', ...(await readModel(path)) };
  const sae = /^https?:\/\//.test(path) ? await loadSae(urlFiles(path), opts) : await loadSaePath(path, opts);
  return { kind: 'published', sae };
}

/**
 * The saekit model at `path` for commands that run saekit's model (eval): a saekit directory, or a
 * published SAE that saekit's model computes exactly (standard or topk, no input transforms).
 * @throws naming the path and the setting saekit's model lacks
 */
export async function loadModelForCli(path: string): Promise<{ config: AnySaeConfig; params: SaeParams }> {
  const m = await loadSaeForCli(path);
  return m.kind === 'saekit' ? m : toSaekit(m.sae, path);
}

/** Any model at `path` in the neutral description (a saekit model must be one SAELens can hold). */
export function asLoaded(m: CliSae): LoadedSae {
  if (m.kind === 'published') return m.sae;
  if (isModernConfig(m.config))
    throw new Error(
      `a saekit ${m.config.architecture} model has no SAELens description here yet (its cfg.json is saekit's own)`,
    );
  return fromSaekit(m.config, m.params);
}

/** Whether @saekit/formats can describe a saekit model as a SAELens one (classic ReLU / TopK, linear decoder). */
export function describable(c: AnySaeConfig): boolean {
  return !isModernConfig(c) && c.encoder !== 'sigmoid';
}
