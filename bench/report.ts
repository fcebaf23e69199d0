// Printing figures for people: one heading per scenario, aligned "label  value" lines, and the
// few statistics the scenarios share. Everything goes to stdout; Aviso's own logs go elsewhere.
// Every figure is also recorded, with the scenarios' key numbers as metrics, for `--json`.

const labelWidth = 44;

/** One scenario's figures as printed, and its key numbers (unit in the key: `…PerSecond`, `…Ms`, `…Bytes`). */
export interface ScenarioRecord {
  name: string;
  title: string;
  /** The machine's 1-minute load average when the scenario started. */
  loadBefore: number;
  figures: Record<string, string>;
  metrics: Record<string, number>;
  failed?: string;
}

export const records: ScenarioRecord[] = [];

export function heading(name: string, title: string, loadBefore: number): void {
  records.push({ name, title, loadBefore, figures: {}, metrics: {} });
  process.stdout.write(`\n== ${title}\n`);
}

function currentRecord(): ScenarioRecord | undefined {
  return records[records.length - 1];
}

/** Records a number for `--json` (not printed: the figure line that goes with it is). */
export function metric(key: string, value: number): void {
  const record = currentRecord();
  if (record && Number.isFinite(value)) record.metrics[key] = Math.round(value * 1000) / 1000;
}

export function failed(message: string): void {
  const record = currentRecord();
  if (record) record.failed = message;
}

export function note(text: string): void {
  process.stdout.write(`   ${text}\n`);
}

export function figure(label: string, value: string): void {
  const record = currentRecord();
  if (record) record.figures[label] = value;
  process.stdout.write(`   ${`${label}:`.padEnd(labelWidth)} ${value}\n`);
}

/** "Target: … → met / NOT met" line for a DESIGN.md budget. */
export function verdict(label: string, met: boolean, target: string): void {
  figure(label, `${met ? 'met' : 'NOT met'} (target ${target})`);
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

export function formatRate(perSec: number, unit: string): string {
  return `${Math.round(perSec).toLocaleString('en-US')} ${unit}/s`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
