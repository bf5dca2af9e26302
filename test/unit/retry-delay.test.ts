import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from '../../src/http/retry-delay.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-09-06T10:00:00Z');
  it.each([
    ['120', 120_000],
    [' 3 ', 3000],
    ['Sat, 06 Sep 2025 10:00:30 GMT', 30_000],
    ['Sat, 06 Sep 2025 09:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base delay and adds at most 20 % jitter', () => {
    expect([1, 2, 3].map((attempt) => retryDelayMs(attempt, undefined, { baseDelayMs: 100, random: () => 0 }))).toEqual([100, 200, 400]);
    expect(retryDelayMs(3, undefined, { baseDelayMs: 100, random: () => 0.999 })).toBe(480);
  });

  it('never asks for more than a Node timer can wait (2^31 - 1 ms), which would fire at once', () => {
    expect(retryDelayMs(20, undefined, { baseDelayMs: 1_000_000, random: () => 0 })).toBe(2 ** 31 - 1);
    expect(retryDelayMs(1, 9_999_999_999, { baseDelayMs: 1, maxRetryAfterMs: 9_999_999_999, random: () => 0 })).toBe(2 ** 31 - 1);
  });

  it('waits for Retry-After when it is longer, but never longer than the cap', () => {
    expect(retryDelayMs(1, 5000, { baseDelayMs: 100, random: () => 0 })).toBe(5000);
    expect(retryDelayMs(1, 50, { baseDelayMs: 100, random: () => 0 })).toBe(100);
    expect(retryDelayMs(1, 86_400_000, { baseDelayMs: 100, maxRetryAfterMs: 30_000, random: () => 0 })).toBe(30_000);
  });
});
