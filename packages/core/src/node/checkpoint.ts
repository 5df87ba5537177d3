import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_FILES,
  configFromText,
  configToJson,
  decodeWeights,
  encodeWeights,
} from '../io/checkpoint.js';
import type { AnySaeConfig } from '../nn/config.js';
import type { SaeParams } from '../nn/params.js';
import { writeFileAtomic } from './fs.js';

/** Saves cfg.json and sae_weights.safetensors into `dir` (each written atomically). */
export async function saveCheckpoint(dir: string, config: AnySaeConfig, params: SaeParams): Promise<void> {
  await writeFileAtomic(join(dir, CHECKPOINT_FILES.weights), encodeWeights(config, params));
  await writeFileAtomic(
    join(dir, CHECKPOINT_FILES.config),
    `${JSON.stringify(configToJson(config), null, 2)}\n`,
  );
}

/** Loads a checkpoint directory (ours or SAELens'), with errors naming the file and the problem. */
export async function loadCheckpoint(dir: string): Promise<{ config: AnySaeConfig; params: SaeParams }> {
  const cfgPath = join(dir, CHECKPOINT_FILES.config);
  const wPath = join(dir, CHECKPOINT_FILES.weights);
  const text = await readFile(cfgPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'ENOENT'
        ? `${cfgPath}: not found (is ${dir} a saekit run or checkpoint directory?)`
        : `${cfgPath}: ${e.message}`,
    );
  });
  const config = configFromText(text, cfgPath);
  const bytes = await readFile(wPath).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === 'ENOENT' ? `${wPath}: not found` : `${wPath}: ${e.message}`);
  });
  return {
    config,
    params: decodeWeights(config, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), wPath),
  };
}
