import { describe, expect, it } from 'vitest';
import { featureRecoveryPng, recoverySummary, renderFeatureRecovery } from '../src/recovery.js';
import { expectFigure, svgTexts } from './helpers.js';

describe('featureRecoveryPng', () => {
  it('sorts the features best first and marks their mean (MMCS) and how many pass the threshold', () => {
    const s = recoverySummary([0.5, 0.99, 0.9, 0.95, 0.2]);
    expect(s.sorted).toEqual([0.99, 0.95, 0.9, 0.5, 0.2]);
    expect(s.mmcs).toBeCloseTo(3.54 / 5, 14);
    expect(s.recovered).toBe(3);
    expect(recoverySummary([0.5, 0.99], 0.5).recovered).toBe(2);
  });

  it('says what it shows: title, axes, MMCS and the count recovered', async () => {
    const maxCosine = Array.from({ length: 40 }, (_, i) => (i < 30 ? 0.98 : 0.4));
    const r = await renderFeatureRecovery({ maxCosine });
    expectFigure(r.png, { minW: 600, maxW: 1000, minH: 300, maxH: 600 });
    const text = svgTexts(r.svg);
    expect(text).toContain('Recovery of the true features');
    expect(text).toContain('true feature, by rank (1 = best recovered)');
    expect(text).toContain('max cosine with a decoder row');
    expect(text).toContain('MMCS 0.835');
    expect(text.some((t) => t.includes('40 true features') && t.includes('30 of 40 at or above 0.9'))).toBe(
      true,
    );
    // Nothing of the decoder heat map it replaces.
    expect(text.join(' ')).not.toMatch(/hidden unit|w \/ max/);
  });

  it('rejects what is not a cosine', async () => {
    await expect(featureRecoveryPng({ maxCosine: [] })).rejects.toThrow(/maxCosine is empty/);
    await expect(featureRecoveryPng({ maxCosine: [0.5, 1.2] })).rejects.toThrow(/maxCosine\[1\] is 1.2/);
    await expect(featureRecoveryPng({ maxCosine: [0.5], threshold: 2 })).rejects.toThrow(/threshold/);
  });
});
