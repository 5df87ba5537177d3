/**
 * @saekit/formats' lazy reader (header, then one range read per tensor) against the same strict
 * reference as the in-memory reader: it must accept and refuse exactly the same files and read the
 * same values. BF16, which the reference does not convert, is refused here by the target itself;
 * its decoding is covered by the bit-pattern tables.
 */
import { SafetensorsError } from '@saekit/core';
import { LazySafetensors, memorySource, SaeFormatError } from '@saekit/formats';
import { canonical } from '../json-keys.js';
import type { Target } from '../types.js';
import { safetensorsTarget } from './safetensors.js';

export const lazySafetensorsTarget: Target = {
  name: 'lazy-safetensors',
  seeds: safetensorsTarget.seeds,
  forge: safetensorsTarget.forge,
  read: async (b) => {
    const st = await LazySafetensors.open(memorySource(b, 'fuzz.safetensors'));
    if (st.entries.some((e) => e.dtype === 'BF16')) throw new SaeFormatError('BF16: outside this reference');
    const tensors: Record<string, unknown> = {};
    for (const name of st.names()) {
      const t = await st.tensor(name);
      // defineProperty: a tensor named "__proto__" is a tensor.
      Object.defineProperty(tensors, name, { value: { shape: t.shape, data: t.data }, enumerable: true });
    }
    return canonical({ tensors, metadata: st.metadata });
  },
  ownError: (e) => e instanceof SafetensorsError || e instanceof SaeFormatError,
  reference: safetensorsTarget.reference,
};
