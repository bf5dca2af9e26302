import type { CatalogOrm } from './catalog-location.ts';
import { secondsBetween } from './catalog-sql.ts';
import { DAY_MS, formatDate, formatTimestamp, parseDate, parseTimestamp } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { staleRuns, type StaleRun } from './stale-frames.ts';
import { checkSetting, DEFAULTS } from '../settings.ts';

const HOUR_MS = 3_600_000;

export interface CoverageOptions {
  /** First and last date, `YYYY-MM-DD`, inclusive; by default the first and last date the catalog holds. */
  readonly from?: string;
  readonly to?: string;
  readonly terminal?: string;
  /** The camera's frame interval: an hour is expected to hold 60 / interval frames (default 10 minutes: 6). */
  readonly intervalMinutes?: number;
  /** Time of the report, ms since the epoch: frames after it are not expected yet. */
  readonly now?: number;
}

export interface HourCoverage {
  readonly hour: number;
  readonly present: number;
  /** Grid slots of the hour up to the report's time. */
  readonly expected: number;
  readonly thumbnails: number;
  /** Frames of the hour the CDN answered missing (and the catalog does not hold): the rest of what is not there was never asked for, or failed. */
  readonly missing: number;
}

export interface DayCoverage {
  readonly date: string;
  readonly hours: readonly HourCoverage[];
  readonly present: number;
  readonly expected: number;
  readonly thumbnails: number;
  readonly missing: number;
  readonly bytes: number;
}

/** A stretch without frames: from the last frame before it to the first after it (or the edge of the range). */
export interface CoverageGap {
  /** `YYYY-MM-DDTHH:MM:SS` (UTC): the last frame before the gap, or where the range starts. */
  readonly from: string;
  /** The first frame after the gap, or where the range (or the report's time) ends. */
  readonly to: string;
  readonly seconds: number;
  /** Grid slots inside the gap. */
  readonly missingFrames: number;
}

export interface StreamCoverage {
  readonly terminal: string;
  readonly stream: string;
  readonly days: readonly DayCoverage[];
  /** In time order. */
  readonly gaps: readonly CoverageGap[];
  /** Runs of identical frames one after the other, in time order. */
  readonly staleRuns: readonly StaleRun[];
  readonly present: number;
  readonly expected: number;
  readonly thumbnails: number;
  readonly missing: number;
  readonly bytes: number;
}

export interface Coverage {
  readonly from: string;
  readonly to: string;
  readonly intervalMinutes: number;
  readonly generatedAt: string;
  readonly streams: readonly StreamCoverage[];
}

type Row = Record<string, unknown>;

/** Grid slots (`intervalMinutes` apart from midnight) in [start, end) that are not after `now`. */
export function slotsBetween(start: number, end: number, intervalMs: number, now: number): number {
  const dayStart = Math.floor(start / DAY_MS) * DAY_MS;
  const first = dayStart + Math.ceil((start - dayStart) / intervalMs) * intervalMs;
  const last = Math.min(end - 1, now);
  if (last < first) return 0;
  let count = 0;
  for (let day = dayStart; day <= last; day += DAY_MS) {
    const from = Math.max(first, day);
    const to = Math.min(last, day + DAY_MS - 1);
    if (to >= from) count += Math.floor((to - day) / intervalMs) - Math.ceil((from - day) / intervalMs) + 1;
  }
  return count;
}

/** Which frames the catalog holds per stream, day and hour, against what the grid expects, and the gaps. */
export async function catalogCoverage(orm: CatalogOrm, options: CoverageOptions = {}): Promise<Coverage> {
  const { terminal, intervalMinutes = DEFAULTS.intervalMinutes, now = Date.now() } = options;
  checkSetting('intervalMinutes', intervalMinutes, 'interval');
  const connection = orm.em.getConnection();
  const byTerminal = '(? is null or terminal = ?)';
  const terminalParams = [terminal ?? null, terminal ?? null];
  const [bounds] = await connection.execute<Row[]>(
    `select min(captured_at) as first, max(captured_at) as last from images where ${byTerminal}`,
    terminalParams,
  );
  const from = options.from ?? (bounds?.first ? String(bounds.first).slice(0, 10) : formatDate(now));
  const to = options.to ?? (bounds?.last ? String(bounds.last).slice(0, 10) : from);
  const rangeStart = parseDate(from, '--from date');
  const rangeEnd = parseDate(to, '--to date') + DAY_MS;
  if (rangeEnd <= rangeStart) throw new InputError(`invalid date range: --to ${to} is before --from ${from}`);
  const inRange = `captured_at >= ? and captured_at < ? and ${byTerminal}`;
  const rangeParams = [from, `${to}T99`, ...terminalParams];
  const intervalMs = intervalMinutes * 60_000;

  const streams = await connection.execute<Row[]>(
    `select distinct terminal, stream from images where ${byTerminal} order by terminal, stream`,
    terminalParams,
  );
  const hours = await connection.execute<Row[]>(
    `select terminal, stream, substr(captured_at, 1, 13) as hour, count(*) as frames,
            sum(case when variant = 'thumbnail' then 1 else 0 end) as thumbnails, sum(file_size) as bytes
       from images where ${inRange} group by terminal, stream, hour`,
    rangeParams,
  );
  // Consecutive frames at least two intervals apart: at least one grid slot between them is empty.
  const gapRows = await connection.execute<Row[]>(
    `select terminal, stream, previous, captured_at as next from (
       select terminal, stream, captured_at,
              lag(captured_at) over (partition by terminal, stream order by captured_at) as previous
         from images where ${inRange}) as consecutive
      where previous is not null and ${secondsBetween(orm, 'captured_at', 'previous')} >= ?
      order by terminal, stream, captured_at`,
    [...rangeParams, (2 * intervalMs) / 1000],
  );
  // the CDN's answers of earlier runs (today's table and the one of earlier versions), for frames the catalog does not hold
  const misses = await connection.execute<Row[]>(
    `select terminal, stream, substr(captured_at, 1, 13) as hour, count(*) as missing from (
       select terminal, stream, captured_at from cdn_missing_frames
        union select terminal, stream, captured_at from missing_frames) as answered
      where ${inRange}
        and not exists (select 1 from images where images.terminal = answered.terminal and images.stream = answered.stream and images.captured_at = answered.captured_at)
      group by terminal, stream, hour`,
    rangeParams,
  );
  const edges = await connection.execute<Row[]>(
    `select terminal, stream, min(captured_at) as first, max(captured_at) as last from images where ${inRange} group by terminal, stream`,
    rangeParams,
  );

  const runs = await staleRuns(orm, { from, to, terminal });
  const key = (row: Row) => `${row.terminal}/${row.stream}`;
  const hourCounts = new Map<string, Row>(hours.map((row) => [`${key(row)}/${row.hour}`, row]));
  const missingCounts = new Map<string, number>(misses.map((row) => [`${key(row)}/${row.hour}`, Number(row.missing)]));
  const end = Math.min(rangeEnd, Math.max(now, rangeStart));
  /** A gap from `fromMs` to `toMs`; its missing frames are the grid slots from `slotsFrom` (inclusive) to `toMs` (exclusive). */
  const gap = (fromMs: number, toMs: number, slotsFrom: number): CoverageGap => ({
    from: formatTimestamp(fromMs),
    to: formatTimestamp(toMs),
    seconds: Math.round((toMs - fromMs) / 1000),
    missingFrames: slotsBetween(slotsFrom, toMs, intervalMs, Number.POSITIVE_INFINITY),
  });

  const result: StreamCoverage[] = streams.map((stream) => {
    const days: DayCoverage[] = [];
    for (let day = rangeStart; day < rangeEnd; day += DAY_MS) {
      const date = formatDate(day);
      const cells: HourCoverage[] = Array.from({ length: 24 }, (_, hour) => {
        const hourKey = `${key(stream)}/${date}T${String(hour).padStart(2, '0')}`;
        const row = hourCounts.get(hourKey);
        const start = day + hour * HOUR_MS;
        const expected = slotsBetween(start, start + HOUR_MS, intervalMs, now);
        return {
          hour,
          present: Number(row?.frames ?? 0),
          expected,
          thumbnails: Number(row?.thumbnails ?? 0),
          missing: missingCounts.get(hourKey) ?? 0,
        };
      });
      const bytes = cells.reduce(
        (sum, cell) => sum + Number(hourCounts.get(`${key(stream)}/${date}T${String(cell.hour).padStart(2, '0')}`)?.bytes ?? 0),
        0,
      );
      days.push({ date, hours: cells, ...sumOf(cells), bytes });
    }
    const gaps: CoverageGap[] = [];
    const edge = edges.find((row) => key(row) === key(stream));
    if (!edge) {
      if (end > rangeStart) gaps.push(gap(rangeStart, end, rangeStart));
    } else {
      const first = parseTimestamp(String(edge.first));
      const last = parseTimestamp(String(edge.last));
      // The range counts as starting with a frame one interval before its first slot, and ending with one at its end.
      if (first - rangeStart >= intervalMs && end > rangeStart) gaps.push(gap(rangeStart, first, rangeStart));
      for (const row of gapRows.filter((candidate) => key(candidate) === key(stream))) {
        const previous = parseTimestamp(String(row.previous));
        gaps.push(gap(previous, parseTimestamp(String(row.next)), previous + 1));
      }
      if (end - last >= 2 * intervalMs) gaps.push(gap(last, end, last + 1));
    }
    const totals = { ...sumOf(days), bytes: days.reduce((sum, day) => sum + day.bytes, 0) };
    const streamRuns = runs.filter((run) => run.terminal === stream.terminal && run.stream === stream.stream);
    return { terminal: String(stream.terminal), stream: String(stream.stream), days, gaps, staleRuns: streamRuns, ...totals };
  });
  return { from, to, intervalMinutes, generatedAt: new Date(now).toISOString(), streams: result };
}

export type Counts = Pick<HourCoverage, 'present' | 'expected' | 'thumbnails' | 'missing'>;

export function sumOf(parts: readonly Counts[]): Counts {
  return parts.reduce(
    (sum, part) => ({
      present: sum.present + part.present,
      expected: sum.expected + part.expected,
      thumbnails: sum.thumbnails + part.thumbnails,
      missing: sum.missing + part.missing,
    }),
    { present: 0, expected: 0, thumbnails: 0, missing: 0 },
  );
}
