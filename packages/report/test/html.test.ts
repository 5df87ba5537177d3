import { describe, expect, it } from 'vitest';
import { escapeHtml, indexHtml } from '../src/html.js';

const figures = [
  { file: 'reconstructions.png', caption: 'Test images and reconstructions' },
  { file: 'latent scatter.png', caption: 'Hidden units 3 & 17' },
  { file: 'figs/features.png', caption: 'Learned <features>' },
];

describe('indexHtml', () => {
  const html = indexHtml({
    title: 'Run <mnist> & "friends"',
    config: {
      dataset: 'mnist',
      note: '<script>alert("x")</script>',
      model: { hidden: 64, activation: 'sigmoid', layers: [784, 64] },
      train: { lr: 0.001 },
    },
    metrics: { 'test mse': 0.0123456789, epochs: 30, status: '<b>ok</b>' },
    figures,
  });

  it('escapes all text, including <script> in config values', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>Run &lt;mnist&gt; &amp; &quot;friends&quot;</title>');
    expect(html).toContain('&lt;b&gt;ok&lt;/b&gt;');
    expect(html).toContain('Learned &lt;features&gt;');
    expect(html).not.toContain('<b>ok');
  });

  it('references every figure by a relative path', () => {
    expect(html).toContain('src="reconstructions.png"');
    expect(html).toContain('src="latent%20scatter.png"');
    expect(html).toContain('src="figs/features.png"');
    const srcs = [...html.matchAll(/src="([^"]*)"/g)].map((m) => m[1]);
    expect(srcs).toHaveLength(figures.length);
  });

  it('is self-contained: no external CSS, JS, fonts or URLs', () => {
    expect(html).not.toMatch(/<link|<script|@import|url\(|https?:|\/\//i);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta charset="utf-8">');
  });

  it('tabulates config (flattened) and metrics', () => {
    expect(html).toContain('<th scope="row">model.hidden</th><td>64</td>');
    expect(html).toContain('<th scope="row">model.layers</th><td>[784,64]</td>');
    expect(html).toContain('<th scope="row">train.lr</th><td>0.001</td>');
    expect(html).toContain('<th scope="row">test mse</th><td>0.0123457</td>');
    expect(html).toContain('<th scope="row">epochs</th><td>30</td>');
  });

  it('refuses figure paths that leave the report folder or point elsewhere', () => {
    const base = { title: 't', config: {}, metrics: {} };
    for (const file of [
      '/etc/passwd.png',
      'https://example.com/a.png',
      '../a.png',
      'a/../../b.png',
      'C:\\x.png',
    ]) {
      expect(() => indexHtml({ ...base, figures: [{ file, caption: '' }] })).toThrow(
        /indexHtml: figure file/,
      );
    }
  });

  it('links the interactive page when there is one, and only then', () => {
    const base = { title: 't', config: {}, metrics: {}, figures: [] };
    const how = 'Serve it with `saekit serve <run>` & open the address it prints.';
    const linked = indexHtml({ ...base, page: { href: 'web/index.html', how } });
    expect(linked).toContain('<a id="web-page" href="web/index.html">');
    expect(linked).toContain('saekit serve &lt;run&gt;` &amp; open');
    expect(indexHtml(base)).not.toContain('web-page');
    expect(() => indexHtml({ ...base, page: { href: '../web/index.html', how } })).toThrow(/inside/);
  });

  it('escapes quotes for attributes', () => {
    expect(escapeHtml(`a"b'c<d>&`)).toBe('a&quot;b&#39;c&lt;d&gt;&amp;');
  });
});
