import { InputError } from '../errors.ts';

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const namePattern = /^[a-z0-9_]+$/;

export const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of a `YYYY-MM-DD` UTC date; rejects impossible dates like 2025-02-30. */
export function parseDate(text: string, what = 'date'): number {
  const match = datePattern.exec(text);
  if (!match) throw new InputError(`invalid ${what} "${text}": expected YYYY-MM-DD`);
  const [, year, month, day] = match.map(Number);
  // Date.UTC reads years 0-99 as 1900-1999: 0025-09-01 would become 1925-09-01
  if (year < 1000) throw new InputError(`invalid ${what} "${text}": years before 1000 are not supported`);
  const ms = Date.UTC(year, month - 1, day);
  if (new Date(ms).getUTCMonth() !== month - 1 || new Date(ms).getUTCDate() !== day) {
    throw new InputError(`invalid ${what} "${text}": no such day`);
  }
  return ms;
}

/** Milliseconds since the epoch of a `YYYY-MM-DDTHH:MM:SS` UTC timestamp. */
export function parseTimestamp(text: string, what = 'timestamp'): number {
  const match = timestampPattern.exec(text);
  if (!match) throw new InputError(`invalid ${what} "${text}": expected YYYY-MM-DDTHH:MM:SS`);
  const [hours, minutes, seconds] = match.slice(4).map(Number);
  if (hours > 23 || minutes > 59 || seconds > 59) throw new InputError(`invalid ${what} "${text}": no such time`);
  return parseDate(text.slice(0, 10), what) + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Terminal and stream names end up in URLs and paths: only `[a-z0-9_]+` is safe. */
export function assertName(value: string, what: string): string {
  if (!namePattern.test(value)) throw new InputError(`invalid ${what} "${value}": use only a-z, 0-9 and _`);
  return value;
}
