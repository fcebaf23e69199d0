// Shared helpers: run Aviso's CLI and the sisimai Perl script over many files, in batches.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Result {
  recipient: string;
  status: string;
  replyCode: string;
  reason: string;
  hardBounce: boolean;
  feedbackType: string | null;
}

export type Answers = Map<string, Result[]>;

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
const BATCH = 200;

function runBatched(cmd: string, pre: string[], files: string[]): Answers {
  const out: Answers = new Map();
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const text = execFileSync(cmd, [...pre, ...batch], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const o = JSON.parse(line) as { file: string; results?: Result[] };
      out.set(
        resolve(repoRoot, o.file),
        (o.results ?? []).map((r) => ({
          recipient: (r.recipient ?? '').toLowerCase(),
          status: r.status ?? '',
          replyCode: String(r.replyCode ?? ''),
          reason: r.reason ?? '',
          hardBounce: Boolean(r.hardBounce),
          feedbackType: r.feedbackType ?? null,
        })),
      );
    }
  }
  return out;
}

export function runAviso(files: string[]): Answers {
  return runBatched(process.execPath, [join(repoRoot, 'bin', 'aviso.js'), 'bounces', 'parse'], files);
}

export function runSisimai(files: string[]): Answers {
  return runBatched('perl', [join(here, 'sisimai.pl')], files);
}

/** The .eml files named, or found (sorted) in the folders named. */
export function emlFiles(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    const abs = resolve(p);
    if (statSync(abs).isDirectory()) {
      for (const f of readdirSync(abs).sort()) if (f.endsWith('.eml')) files.push(join(abs, f));
    } else files.push(abs);
  }
  return files;
}
