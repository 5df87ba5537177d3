import { describe, expect, it } from 'vitest';
import { fuzzTarget, generate, TARGETS } from '../src/run.js';

describe('a short fuzz of every reader', () => {
  for (const target of TARGETS) {
    it(`${target.name}: no crash, hang or wrong accept; both outcomes occur`, async () => {
      // hangMs is far above any honest input; counts, not time, bound the run.
      const s = await fuzzTarget(target, {
        count: target.name === 'onnx' ? 300 : 1500,
        seed: 7,
        hangMs: 30_000,
      });
      expect(s.findings.filter((f) => !f.includes('wrong-refuse'))).toEqual([]);
      expect(s.counts.crash + s.counts.hang + s.counts['wrong-accept']).toBe(0);
      expect(s.counts.accepted).toBeGreaterThan(0);
      expect(s.counts.refused).toBeGreaterThan(0);
    }, 120_000);
  }

  it('inputs repeat for a seed and differ between seeds', () => {
    const t = TARGETS[0];
    const seeds = t.seeds();
    expect(generate(t, seeds, 3, 42)).toEqual(generate(t, seeds, 3, 42));
    expect(generate(t, seeds, 3, 42)).not.toEqual(generate(t, seeds, 4, 42));
  });

  it('the references refuse what the issue lists (so they can catch a lax reader)', async () => {
    const [st, cfg, idx] = TARGETS;
    const good = st.seeds()[0];
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(st.reference(trailing)).toMatchObject({ ok: false });
    expect(st.reference(good)).toMatchObject({ ok: true });
    const text = new TextDecoder().decode(cfg.seeds()[1]);
    expect(cfg.reference(new TextEncoder().encode(text.replace('"saekit"', '"saekiu"')))).toMatchObject({
      ok: false,
    });
    expect(
      cfg.reference(new TextEncoder().encode('{"d_in":8,"d_sae":16,"architecture":"jumprelu"}')),
    ).toMatchObject({ ok: false });
    const labels = idx.seeds()[1];
    expect(idx.reference(labels.subarray(0, labels.length - 1))).toMatchObject({ ok: false });
    expect(idx.reference(labels)).toMatchObject({ ok: true });
  });
});
