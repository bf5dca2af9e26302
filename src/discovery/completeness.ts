import { DAY_MS, parseDate } from '../frame/time.ts';

/** About one frame per 10 minutes. */
const FRAMES_PER_DAY = 144;

/**
 * `complete`: every frame the page says it has was found (or, without a total, the day looks whole);
 * `incomplete`: fewer than the page's own total, or the page failed while listing;
 * `suspect`: a past day with no total to compare and under half the camera's cadence.
 */
export type DayStatus = 'complete' | 'incomplete' | 'suspect';

/** How completely the History of one stream on one date was read. */
export interface DayReading {
  readonly date: string;
  readonly stream: string;
  readonly found: number;
  /** What the page said it had (a count shown, a total in its API answers, its pager); null when it said nothing. */
  readonly expected: number | null;
  readonly status: DayStatus;
  /** Why the status is not `complete`, or that the page showed no frame; kept days say so. */
  readonly note?: string;
}

export interface ReadOutcome {
  readonly date: string;
  readonly stream: string;
  readonly found: number;
  readonly expected?: number;
  /** Why the page stopped before it said it was done (requests that failed, the page timeout). */
  readonly stoppedShort?: string;
}

/** Judges a day's reading against the page's own total, or else the camera's cadence. */
export function judgeReading({ date, stream, found, expected, stoppedShort }: ReadOutcome, nowMs = Date.now()): DayReading {
  const base = { date, stream, found, expected: expected ?? null };
  const empty = found === 0 ? { note: 'the page showed no frame' } : {};
  if (expected !== undefined && found < expected) {
    return {
      ...base,
      status: 'incomplete',
      note: `found ${found} of the ${expected} the page says it has${stoppedShort ? ` (${stoppedShort})` : ''}`,
    };
  }
  if (expected !== undefined) return { ...base, status: 'complete', ...empty };
  if (stoppedShort) return { ...base, status: 'incomplete', note: `${stoppedShort}; the page gave no total` };
  const over = parseDate(date) + DAY_MS <= nowMs;
  if (over && found < FRAMES_PER_DAY / 2) {
    return {
      ...base,
      status: 'suspect',
      note: `${found === 0 ? 'the page showed no frame' : `only ${found} frames`} and no total to compare (about ${FRAMES_PER_DAY} a day expected)`,
    };
  }
  return { ...base, status: 'complete', ...empty };
}

/** What to log of each day read short (a warning) or shown empty by the page (a note): nothing when every day was read whole with frames. */
export function shortDayWarnings(readings: readonly DayReading[]): { level: 'warn' | 'info'; message: string }[] {
  return readings.flatMap((reading): { level: 'warn' | 'info'; message: string }[] => {
    if (reading.status !== 'complete') {
      return [
        { level: 'warn', message: `${reading.date} ${reading.stream} is ${reading.status}: ${reading.note}; a rerun reads its page again` },
      ];
    }
    return reading.found === 0 && reading.expected !== null
      ? [{ level: 'info', message: `${reading.date} ${reading.stream}: the page showed no frame (it says it has none)` }]
      : [];
  });
}
