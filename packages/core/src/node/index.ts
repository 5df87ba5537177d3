// Node-only helpers (files): the rest of @saekit/core runs anywhere, browsers included.
export { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export { writeFileAtomic } from './fs.js';
export { SafetensorsFileWriter } from './safetensors-writer.js';
