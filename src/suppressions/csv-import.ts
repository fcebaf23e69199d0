// Reads a suppression import: CSV with a header row naming at least an `address` (or `email`,
// `phone`) column, optionally `stream` (transactional, promotional, or empty for both) and
// `note`. Exports from other platforms work as they are: unknown columns are ignored. A
// file without a header row is read as one address per line. Every bad line is reported
// with its number; the good ones are imported.

import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { isOneOf } from '../vocabulary.ts';
import { addSuppressions, type Stream, streams, suppressionAddress } from './store.ts';

export interface ImportRow {
  line: number;
  address: string;
  streams: Stream[];
  note: string | null;
}

export interface ImportProblem {
  line: number;
  message: string;
}

const maxImportRows = 100_000;

export function parseSuppressionCsv(text: string): { rows: ImportRow[]; problems: ImportProblem[] } {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  if (records.length === 0) return { rows, problems: [{ line: 1, message: 'The file is empty.' }] };
  const header = (records[0]?.cells ?? []).map((c) => c.trim().toLowerCase());
  const addressAt = header.findIndex((h) =>
    ['address', 'email', 'email address', 'phone', 'recipient'].includes(h),
  );
  const hasHeader = addressAt >= 0;
  const streamAt = header.indexOf('stream');
  const noteAt = header.findIndex((h) => h === 'note' || h === 'reason' || h === 'comment');
  for (const { line, cells } of hasHeader ? records.slice(1) : records) {
    if (cells.every((c) => c.trim() === '')) continue;
    if (rows.length >= maxImportRows) {
      problems.push({ line, message: `At most ${maxImportRows} rows per import; the rest was not read.` });
      break;
    }
    const raw = (cells[hasHeader ? addressAt : 0] ?? '').trim();
    const address = suppressionAddress(raw, { allowName: true });
    if (!address) {
      problems.push({ line, message: `"${raw}" is not an email address or a phone number in E.164.` });
      continue;
    }
    const stream = streamAt >= 0 ? (cells[streamAt] ?? '').trim().toLowerCase() : '';
    const named = stream === '' ? [...streams] : isOneOf(streams, stream) ? [stream] : null;
    if (named === null) {
      problems.push({
        line,
        message: `Unknown stream "${stream}" (transactional, promotional, or empty for both).`,
      });
      continue;
    }
    const note = noteAt >= 0 ? (cells[noteAt] ?? '').trim() : '';
    rows.push({ line, address, streams: named, note: note || null });
  }
  return { rows, problems };
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',' || ch === ';') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      records.push({ line: start, cells });
      cells = [];
      cell = '';
      line++;
      start = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    records.push({ line: start, cells });
  }
  return records;
}

/** Adds the rows of an import (manual suppressions, audited) in chunks; returns how many were new. */
export async function importSuppressions(
  db: Kysely<Database>,
  projectId: string,
  rows: readonly ImportRow[],
  actor: string,
  defaultNote: string,
): Promise<{ added: number; alreadySuppressed: number }> {
  let added = 0;
  for (let i = 0; i < rows.length; i += 5000) {
    const result = await addSuppressions(
      db,
      rows.slice(i, i + 5000).map((row) => ({
        projectId,
        address: row.address,
        streams: row.streams,
        reason: 'manual' as const,
        actor,
        note: row.note ?? defaultNote,
      })),
    );
    added += result.length;
  }
  const requested = rows.reduce((n, row) => n + row.streams.length, 0);
  return { added, alreadySuppressed: requested - added };
}
