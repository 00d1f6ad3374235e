/**
 * Cursor pagination: `limit` 1..100 (default 20), `cursor` opaque. A cursor encodes the sort key of the last
 * item returned plus its id (a stable tie-breaker), so pages never repeat or skip rows with equal keys.
 */
import { t } from 'elysia';
import { DomainError } from '../errors.ts';

export const ListQuery = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: '1..100, default 20' })),
  cursor: t.Optional(t.String({ maxLength: 512, description: 'nextCursor from the previous page' })),
};

export const listOf = <T extends import('elysia').TSchema>(item: T, title?: string) =>
  t.Object({ items: t.Array(item), nextCursor: t.Union([t.String(), t.Null()]) }, title ? { title } : {});

export function encodeCursor(values: Array<string | number | null>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

type CursorPart = 'string' | 'number' | 'nullable-number' | 'nullable-string' | 'uuid' | 'timestamp';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fits(value: unknown, expected: CursorPart): boolean {
  if (value === null) return expected.startsWith('nullable');
  if (expected === 'uuid') return typeof value === 'string' && UUID.test(value);
  if (expected === 'timestamp') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return typeof value === expected.replace('nullable-', '');
}

/**
 * Decodes a cursor this server issued; anything else is 400 invalid_cursor. Parts that reach SQL as uuids or
 * timestamps are checked as such, so a forged cursor can never become a database error (500).
 */
export function decodeCursor(cursor: string | undefined, shape: CursorPart[]): Array<string | number | null> | null {
  if (cursor === undefined) return null;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  const ok = Array.isArray(values) && values.length === shape.length && values.every((value, index) => fits(value, shape[index]!));
  if (!ok) throw new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
  return values as Array<string | number | null>;
}

export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Array<string | number | null>): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
