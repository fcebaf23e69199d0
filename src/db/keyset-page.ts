// Keyset pagination, for every list the API pages: a query fetches one row more than the page
// and the cursor is the last shown row's key, base64url, opaque to clients. The wire format
// must never change: clients keep cursors across upgrades.
import { ApiError } from '../errors/index.ts';

/** A row's key: one value, or several (a JSON array) when no one column orders the rows. */
export type CursorKey = string | readonly string[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(typeof key === 'string' ? key : JSON.stringify(key)).toString('base64url');
}

/** The one-value key in a cursor this API gave, or 400 invalid_cursor. */
export function decodeCursor(cursor: string, pattern: RegExp): string {
  const key = Buffer.from(cursor, 'base64url').toString();
  if (!pattern.test(key)) throw invalidCursor();
  return key;
}

/** The several-value key in a cursor this API gave: one pattern per value, or 400 invalid_cursor. */
export function decodeCursorParts<const P extends readonly RegExp[]>(
  cursor: string,
  patterns: P,
): { [K in keyof P]: string } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw invalidCursor();
  }
  // Values past the patterns are ignored, as they always were.
  if (!Array.isArray(parts) || !patterns.every((p, i) => typeof parts[i] === 'string' && p.test(parts[i])))
    throw invalidCursor();
  return parts.slice(0, patterns.length) as { [K in keyof P]: string };
}

/** Rows fetched with `limit + 1`: the page, and the cursor to the next one when there is more. */
export function keysetPage<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => CursorKey,
): { rows: T[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { rows: shown, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

const invalidCursor = () => new ApiError('invalid_cursor', undefined, 'cursor');
