import type { SaeBenchMetrics, SaeMetrics } from '@saekit/core';

/** What `saekit eval` reports: the classic fields flat (as before), SAEBench's under `saebench`. */
export interface EvalDocument {
  readonly model: string;
  readonly dataset: string;
  readonly mse: number;
  readonly penalty: number;
  readonly penaltyKind: SaeMetrics['penaltyKind'];
  readonly total: number;
  readonly l0: number;
  readonly fvu: number;
  readonly deadUnits: number;
  readonly meanActivation: number[];
  /** Mean max cosine of the true features (synthetic data only). */
  readonly mmcs?: number;
  readonly saebench: SaeBenchMetrics;
}

export function evalDocument(
  model: string,
  dataset: string,
  m: SaeMetrics,
  extra: { mmcs?: number } = {},
): EvalDocument {
  const { saebench, ...classic } = m;
  return { model, dataset, ...classic, ...extra, saebench };
}

/**
 * The SAEBench metrics for a run's metrics.json (its `test` object), from the final evaluation:
 * `train` spreads this into the document it writes.
 */
export function saeBenchEntry(m: SaeMetrics): { saebench: SaeBenchMetrics } {
  return { saebench: m.saebench };
}

/**
 * The scalar SAEBench metrics of a `saebench` object read back from metrics.json (unknown shape:
 * anything but a number is left out), in the table's order.
 */
export function saeBenchRows(saebench: unknown): [string, number][] {
  if (typeof saebench !== 'object' || saebench === null) return [];
  const o = saebench as Record<string, unknown>;
  return SAEBENCH_KEYS.flatMap((k) =>
    typeof o[k] === 'number' ? [[k, o[k] as number] as [string, number]] : [],
  );
}

const SAEBENCH_KEYS = [
  'explained_variance',
  'explained_variance_legacy',
  'frac_variance_explained_dl',
  'fvu',
  'mse',
  'cossim',
  'l2_norm_in',
  'l2_norm_out',
  'l2_ratio',
  'relative_reconstruction_bias',
  'l0',
  'l1',
  'frac_alive',
  'dead_count',
  'freq_over_1_percent',
  'freq_over_10_percent',
] as const;

type Row = readonly [key: string, value: number, note?: string];

/** The rows of the table, grouped as SAEBench's `core` output groups them. */
export function metricRows(d: EvalDocument): { group: string; rows: Row[] }[] {
  const s = d.saebench;
  const H = s.featureDensity.length;
  const groups: { group: string; rows: Row[] }[] = [
    {
      group: 'reconstruction quality',
      rows: [
        ['explained_variance', s.explained_variance, 'about the mean'],
        [
          'explained_variance_legacy',
          s.explained_variance_legacy,
          s.explained_variance_legacy_mean === 'dataset' ? 'mean of per-example ratios' : 'per-batch mean',
        ],
        ['frac_variance_explained_dl', s.frac_variance_explained_dl, 'dictionary_learning'],
        ['fvu', s.fvu, '1 − explained_variance'],
        ['mse', s.mse, '‖x − x̂‖² per example'],
        ['cossim', s.cossim],
      ],
    },
    {
      group: 'shrinkage',
      rows: [
        ['l2_norm_in', s.l2_norm_in],
        ['l2_norm_out', s.l2_norm_out],
        ['l2_ratio', s.l2_ratio],
        ['relative_reconstruction_bias', s.relative_reconstruction_bias],
      ],
    },
    {
      group: 'sparsity',
      rows: [
        ['l0', s.l0],
        ['l1', s.l1],
        ['frac_alive', s.frac_alive],
        ['dead_count', s.dead_count, `of ${H} latents`],
        ['freq_over_1_percent', s.freq_over_1_percent],
        ['freq_over_10_percent', s.freq_over_10_percent],
      ],
    },
  ];
  if (d.mmcs !== undefined)
    groups.push({ group: 'true features', rows: [['mmcs', d.mmcs, 'mean max cosine, 1 = all recovered']] });
  groups.push({
    group: `saekit (${d.penaltyKind === 'none' ? 'no penalty' : d.penaltyKind})`,
    rows: [
      ['mse_per_element', d.mse, "saekit's mse: the mean over every value"],
      ...(d.penaltyKind === 'none' ? [] : ([['penalty', d.penalty]] as Row[])),
      ['total', d.total],
    ],
  });
  return groups;
}

/** A number as the table prints it: integers whole, others to 6 significant digits. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** The readable table `saekit eval` prints: one metric a line, grouped, with a note where it helps. */
export function formatMetricsTable(d: EvalDocument): string {
  const groups = metricRows(d);
  const width = Math.max(...groups.flatMap((g) => g.rows.map((r) => r[0].length)));
  const values = groups.flatMap((g) => g.rows.map((r) => formatMetric(r[1])));
  const vWidth = Math.max(...values.map((v) => v.length));
  const lines = [`${d.model} on ${d.dataset} (${d.saebench.n} examples)`];
  for (const { group, rows } of groups) {
    lines.push('', group);
    for (const [key, value, note] of rows) {
      const line = `  ${key.padEnd(width)}  ${formatMetric(value).padStart(vWidth)}${note ? `  ${note}` : ''}`;
      lines.push(line);
    }
  }
  return `${lines.join('\n')}\n`;
}
