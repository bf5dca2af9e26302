import { DEFAULTS, MAX_TIMER_MS } from '../settings.ts';

/** A `Retry-After` value (seconds or an HTTP date) in milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryDelayOptions {
  readonly baseDelayMs: number;
  readonly maxRetryAfterMs?: number;
  readonly random?: () => number;
}

/**
 * Exponential backoff (base, 2x base, 4x base …) with up to 20 % jitter so parallel retries spread
 * out; a server's `Retry-After` wins when longer, but never beyond `maxRetryAfterMs`. Never beyond
 * what a timer can wait either: a longer delay would fire at once.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, options: RetryDelayOptions): number {
  const { baseDelayMs, maxRetryAfterMs = DEFAULTS.maxRetryAfterMs, random = Math.random } = options;
  const backoff = baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const jittered = backoff + backoff * 0.2 * random();
  return Math.min(MAX_TIMER_MS, Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, maxRetryAfterMs))));
}
