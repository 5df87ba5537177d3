import type { BrowserBackendName } from './backends.js';
import type { ImageSubset, SyntheticRun } from './recipe.js';

/** Page -> training worker. */
export type ToWorker =
  | {
      readonly type: 'train';
      readonly backend: BrowserBackendName;
      readonly run: SyntheticRun;
      readonly images?: ImageSubset;
    }
  | { readonly type: 'stop' };

/** Training worker -> page. */
export type FromWorker =
  | { readonly type: 'step'; readonly step: number; readonly loss: number }
  | {
      readonly type: 'done';
      readonly losses: number[];
      readonly stopped: boolean;
      /** Threads the cpu backend computed on (its pool), for cpu. */
      readonly threads?: number;
    }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
