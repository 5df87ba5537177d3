import { DatasetError, parseIdx } from '@saekit/datasets';
import { describe, expect, it } from 'vitest';
import { canonical } from '../src/json-keys.js';
import { fuzzTarget, generate, TARGETS } from '../src/run.js';
import { FUZZ_MAX_IDX_BYTES } from '../src/targets/idx.js';

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

  it('parseIdx (synchronous) reads as the streaming reader does', async () => {
    const idx = TARGETS[2];
    const seeds = idx.seeds();
    let accepted = 0;
    for (let i = 0; i < 400; i++) {
      const b = generate(idx, seeds, 11, i);
      const sync = await Promise.resolve()
        .then(() => parseIdx(b, 's', { maxBytes: FUZZ_MAX_IDX_BYTES }))
        .then(
          (a) => canonical({ dims: a.dims, data: a.data }),
          (e: unknown) => e,
        );
      const streamed = await idx.read(b).catch((e: unknown) => e);
      if (typeof sync === 'string') accepted++;
      if (typeof sync === 'string' || typeof streamed === 'string') expect(sync).toEqual(streamed);
      else expect([sync, streamed].every((e) => e instanceof DatasetError)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(0);
  });

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
    expect(await idx.reference(labels.subarray(0, labels.length - 1))).toMatchObject({ ok: false });
    expect(await idx.reference(labels)).toMatchObject({ ok: true });
  });
});
