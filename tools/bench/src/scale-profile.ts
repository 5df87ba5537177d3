// ONNX Runtime's profile of the scale step (pnpm bench scale --profile DIR): kernel time per op
// type and the costliest nodes, per timed run (the warm-up runs left out).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatTable } from './table.js';

interface TraceEvent {
  readonly cat?: string;
  readonly name: string;
  readonly dur: number;
  readonly ts: number;
  readonly args?: { readonly op_name?: string };
}

/** The newest trace file ORT wrote for `prefix` (it appends a date and .json). */
export function traceFile(prefix: string): string {
  const dir = dirname(prefix);
  const stem = basename(prefix);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(stem) && f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`bench scale: no ONNX Runtime profile ${prefix}*.json`);
  return join(dir, files[files.length - 1]);
}

/** Kernel milliseconds per timed run: by op type, and the `top` costliest nodes. */
export function summarize(file: string, warmup: number, top = 12): string {
  const events = JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[];
  const runs = events.filter((e) => e.name === 'model_run');
  if (runs.length <= warmup)
    throw new Error(`bench scale: ${file} has ${runs.length} runs, ${warmup} warm-up`);
  const from = runs[warmup].ts;
  const timed = runs.length - warmup;
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const node = `${op} ${e.name.slice(0, -'_kernel_time'.length)}`;
    byNode.set(node, (byNode.get(node) ?? 0) + e.dur);
  }
  const ms = (us: number) => us / timed / 1000;
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => [k, ms(us)]);
  const run = ms(runs.slice(warmup).reduce((s, r) => s + r.dur, 0));
  const kernels = ms([...byOp.values()].reduce((s, v) => s + v, 0));
  return [
    `ONNX Runtime profile (${file}), per timed run: model_run ${run.toFixed(1)} ms, kernels ${kernels.toFixed(1)} ms`,
    formatTable(['op type', 'ms'], rows(byOp, byOp.size)),
    formatTable(['node', 'ms'], rows(byNode, top)),
  ].join('\n\n');
}
