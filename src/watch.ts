import type { CatalogOrm } from './sinks/catalog-location.ts';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { asyncScheduler, filter, from, identity, lastValueFrom, Observable, take, tap, type SchedulerLike } from 'rxjs';
import { formatDuration } from './format.ts';
import { DAY_MS, formatTimestamp, InputError, parseTimestamp } from './frame-time.ts';
import { createHttpClient } from './http/http-client.ts';
import { createRequestGate } from './http/request-gate.ts';
import type { FrameItem } from './items.ts';
import type { WatchMetrics } from './metrics.ts';
import { DEFAULT_BASE_URL, withoutCredentials } from './operators/build-urls.ts';
import { watchSchedule, type WatchTick } from './operators/watch-schedule.ts';
import { DEFAULT_OUT, runDownload, type DownloadOptions } from './run-download.ts';
import { frameKey, loadKnownMissing, MISS_SETTLES_AFTER_MS } from './sinks/known-missing.ts';
import { assertSqliteFile, DEFAULT_DB_PATH, openCatalog } from './sinks/open-catalog.ts';
import type { DownloadReport } from './sinks/write-report.ts';
import { DEFAULT_STREAMS, DEFAULT_TERMINAL, frameGrid } from './sources/frame-grid.ts';
import { MAX_TIMER_MS } from './timer-limit.ts';

export const DEFAULT_EVERY_MS = 10 * 60_000;
export const DEFAULT_SETTLE_MS = 60 * 60_000;

/** The frames one cycle may ask for. */
export interface FrameWindow {
  /** `YYYY-MM-DD` (UTC), oldest first. */
  readonly dates: readonly string[];
  /** The cycle's clock time (ms since the epoch): frames captured after it do not exist yet. */
  readonly until: number;
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly intervalMinutes: number;
}

/**
 * Where a cycle's frames come from. The default is the grid (`gridFrames`); a source that discovers
 * the real frame times (the camera history page) plugs in here without touching the schedule.
 */
export type FrameSource = (window: FrameWindow) => Observable<FrameItem>;

/** Grid frames of the window's dates captured up to `until`. */
export const gridFrames: FrameSource = ({ dates, until, streams, terminal, intervalMinutes }) =>
  from(dates).pipe(
    frameGrid({ streams, terminal, intervalMinutes }),
    filter((item) => parseTimestamp(item.frame.capturedAt) <= until),
  );

/** The watch's notion of now: the real clock, or a simulated one that starts elsewhere and runs faster. */
export interface WatchClock {
  now(): number;
  /** Clock milliseconds per scheduler millisecond: the period between cycles is `everyMs / speed`. */
  readonly speed: number;
}

/**
 * A clock that reads `start` when it is first read and from then on runs `speed` times faster than
 * `scheduler`'s time (for demos and tests against the simulator).
 */
export function simulatedClock(start: number, speed = 1, scheduler: SchedulerLike = asyncScheduler): WatchClock {
  if (!(speed > 0)) throw new InputError(`invalid clock speed "${speed}": expected a number > 0`);
  let origin: number | undefined;
  return {
    now: () => {
      origin ??= scheduler.now();
      return start + (scheduler.now() - origin) * speed;
    },
    speed,
  };
}

type SharedDownloadOptions = Pick<
  DownloadOptions,
  | 'streams'
  | 'terminal'
  | 'intervalMinutes'
  | 'baseUrl'
  | 'out'
  | 'dbPath'
  | 'concurrency'
  | 'retries'
  | 'retryDelayMs'
  | 'timeoutMs'
  | 'requestDeadlineMs'
  | 'minBytesPerSecond'
  | 'maxFrameBytes'
  | 'maxRetryAfterMs'
  | 'thumbnailFallback'
  | 'ratePerSecond'
  | 'bytesPerSecond'
  | 'maxConsecutiveFailures'
  | 'fsync'
>;

export interface WatchOptions extends SharedDownloadOptions {
  /** Time between cycle starts, in the clock's time (default 10 minutes). */
  readonly everyMs?: number;
  /** How long after midnight the previous day is still fetched (default 1 hour). */
  readonly settleMs?: number;
  readonly clock?: WatchClock;
  /** Runs the timers; the clock defaults to its time. */
  readonly scheduler?: SchedulerLike;
  /** Default `gridFrames`. */
  readonly frameSource?: FrameSource;
  /** Aborting drains: no cycle starts, the running one lets its frames in flight finish and saves the catalog. */
  readonly signal?: AbortSignal;
  /** Aborting cancels the requests in flight too. */
  readonly abortSignal?: AbortSignal;
  /** Stop after this many cycles (for tests and demos); by default the watch runs until `signal` aborts. */
  readonly maxCycles?: number;
  readonly metrics?: WatchMetrics;
  readonly onCycle?: (cycle: CycleReport) => void;
  readonly logger?: Logger;
  /** An open catalog to use instead of opening `dbPath`; left open. */
  readonly orm?: CatalogOrm;
  /** An HTTP client to use instead of the default one (which is shared by all cycles). */
  readonly http?: AxiosInstance;
}

/** What one cycle did. */
export interface CycleReport {
  readonly cycle: number;
  readonly dates: readonly string[];
  /** The cycle's clock time, `YYYY-MM-DDTHH:MM:SS` (UTC): frames up to it were asked for. */
  readonly until: string;
  /** False when the cycle threw, was stopped early (circuit breaker, disk full) or some frames failed. */
  readonly ok: boolean;
  /** Real time the cycle took. */
  readonly durationMs: number;
  /** The download report of the cycle, unless it threw. */
  readonly report?: DownloadReport;
  /** Why the cycle failed. */
  readonly error?: string;
}

export interface WatchResult {
  readonly cycles: number;
  readonly failedCycles: number;
  readonly lastCycle?: CycleReport;
}

export interface CycleContext {
  readonly options: WatchOptions;
  readonly orm: CatalogOrm;
  readonly http: AxiosInstance;
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly intervalMinutes: number;
}

/** The capture time of the newest cataloged frame of each stream of `terminal`. */
export async function newestFrames(orm: CatalogOrm, terminal: string): Promise<Record<string, string>> {
  const rows = await orm.em
    .getConnection()
    .execute<{ stream: string; newest: string }[]>('select stream, max(captured_at) as newest from images where terminal = ? group by stream', [terminal]);
  return Object.fromEntries(rows.map((row) => [String(row.stream), String(row.newest)]));
}

function whyFailed(report: DownloadReport): string | undefined {
  if (report.stopReason) return report.stopReason;
  if (report.stats.failed > 0) return `${report.stats.failed} frames failed after all retries`;
  return undefined;
}

/**
 * One cycle as a function of its tick: the window's frames that are neither on disk nor settled as
 * missing go through `runDownload` with the watch's catalog and HTTP client. Never throws: trouble
 * becomes a cycle with `ok: false`, retried by the next cycle.
 */
export function watchCycle(context: CycleContext): (tick: WatchTick) => Promise<CycleReport> {
  const { options, orm, http, streams, terminal, intervalMinutes } = context;
  const { frameSource = gridFrames, metrics, logger } = options;
  return async (tick) => {
    const startedAt = performance.now();
    const until = formatTimestamp(tick.now);
    const base = { cycle: tick.cycle, dates: tick.dates, until };
    metrics?.cycleStarted();
    let cycle: CycleReport;
    try {
      // runDownload bounds its known-missing query by date only for grid ranges: for a source of
      // frames it would load every miss ever recorded, so the cycle filters them itself. A miss counts
      // as settled only for frames captured an hour before the cycle's clock too: with the real clock
      // that changes nothing, with a simulated one (whose misses are stamped with the real time) it
      // keeps recent frames asked for until they arrive.
      const knownMissing = await loadKnownMissing(orm, { baseUrl: options.baseUrl ?? DEFAULT_BASE_URL, terminal, from: tick.dates[0], to: tick.dates.at(-1) });
      const settledBefore = tick.now - MISS_SETTLES_AFTER_MS;
      const frames = frameSource({ dates: tick.dates, until: tick.now, streams, terminal, intervalMinutes }).pipe(
        filter((item) => !(knownMissing.has(frameKey(item.frame)) && parseTimestamp(item.frame.capturedAt) <= settledBefore)),
      );
      const report = await runDownload({
        ...sharedOptions(options),
        streams,
        terminal,
        intervalMinutes,
        frames,
        recheckMissing: true,
        orm,
        http,
        signal: options.signal,
        abortSignal: options.abortSignal,
        logger,
        onProgress: (tally) => metrics?.cycleProgress(tally),
      });
      metrics?.newestFrames(await newestFrames(orm, terminal));
      const error = whyFailed(report);
      cycle = { ...base, ok: error === undefined, durationMs: performance.now() - startedAt, report, ...(error ? { error } : {}) };
    } catch (error) {
      cycle = { ...base, ok: false, durationMs: performance.now() - startedAt, error: error instanceof Error ? error.message : String(error) };
    }
    metrics?.cycleFinished(cycle);
    logCycle(logger, cycle, options.signal?.aborted ? 'stopping' : `trying again in ${Math.round((options.everyMs ?? DEFAULT_EVERY_MS) / 60_000) || '<1'} min`);
    options.onCycle?.(cycle);
    return cycle;
  };
}

function sharedOptions(options: WatchOptions): DownloadOptions {
  const { baseUrl, out = DEFAULT_OUT, dbPath = DEFAULT_DB_PATH, concurrency, retries, retryDelayMs, timeoutMs, maxRetryAfterMs } = options;
  const { thumbnailFallback, maxConsecutiveFailures, fsync } = options;
  return { baseUrl, out, dbPath, concurrency, retries, retryDelayMs, timeoutMs, maxRetryAfterMs, thumbnailFallback, maxConsecutiveFailures, fsync };
}

function logCycle(logger: Logger | undefined, cycle: CycleReport, next: string): void {
  if (!logger) return;
  const stats = cycle.report?.stats;
  const counts = stats && { downloaded: stats.downloaded, alreadyExisted: stats.alreadyExisted, notFound: stats.notFound, failed: stats.failed, bytes: stats.bytes };
  const fields = { cycle: cycle.cycle, dates: cycle.dates, until: cycle.until, durationMs: Math.round(cycle.durationMs), ...counts };
  const what = stats
    ? `${stats.downloaded} downloaded, ${stats.alreadyExisted} already there, ${stats.notFound} not on the CDN, ${stats.failed} failed`
    : 'no frames handled';
  if (cycle.ok) logger.info(fields, `cycle ${cycle.cycle} (${cycle.dates.join(', ')} up to ${cycle.until.slice(11)}): ${what}`);
  else logger.warn({ ...fields, error: cycle.error }, `cycle ${cycle.cycle} failed: ${cycle.error}; ${what}; ${next}`);
}

function abortedNotice(signal: AbortSignal | undefined): Observable<void> {
  return new Observable<void>((subscriber) => {
    if (!signal) return;
    const stop = () => subscriber.next();
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    return () => signal.removeEventListener('abort', stop);
  });
}

/** Checks what a watch is given before the first cycle, so bad input stops it at once instead of failing every cycle. */
export function validateWatchOptions(options: WatchOptions): void {
  const { everyMs = DEFAULT_EVERY_MS, settleMs = DEFAULT_SETTLE_MS, streams = DEFAULT_STREAMS, terminal = DEFAULT_TERMINAL, intervalMinutes = 10 } = options;
  if (!(everyMs > 0)) throw new InputError(`invalid --every "${everyMs}": expected a duration > 0`);
  const realPeriodMs = everyMs / (options.clock?.speed ?? 1);
  if (realPeriodMs > MAX_TIMER_MS) {
    throw new InputError(`invalid --every "${everyMs}": a cycle every ${formatDuration(realPeriodMs)} of real time is longer than ${formatDuration(MAX_TIMER_MS)}, the longest a timer waits`);
  }
  if (!(settleMs >= 0 && settleMs <= DAY_MS)) throw new InputError(`invalid --settle "${settleMs}": expected a duration from 0 to 24h`);
  frameGrid({ streams, terminal, intervalMinutes });
  for (const [value, flag] of [
    [options.ratePerSecond, '--rate'],
    [options.bytesPerSecond, '--bandwidth'],
  ] as const) {
    if (value !== undefined && !(value > 0)) throw new InputError(`invalid ${flag} "${value}": expected a number > 0`);
  }
  if (options.maxCycles !== undefined && !(options.maxCycles >= 1)) throw new InputError(`invalid max cycles "${options.maxCycles}": expected a number >= 1`);
  if (!options.orm) assertSqliteFile(options.dbPath ?? DEFAULT_DB_PATH);
}

/**
 * Keeps the archive current: now and then every `everyMs` fetches the frames of the current UTC day
 * captured so far, and of the previous one until `settleMs` past midnight (and back to the start of
 * the last successful cycle, see `watchDates`), that are not on disk yet, through `runDownload`.
 * Cycles never overlap; a failed cycle is logged and the next one tries again. Resolves after
 * `signal` aborts (and the running cycle has drained) or after `maxCycles` cycles.
 */
export async function watch(options: WatchOptions = {}): Promise<WatchResult> {
  validateWatchOptions(options);
  const { everyMs = DEFAULT_EVERY_MS, settleMs = DEFAULT_SETTLE_MS, scheduler = asyncScheduler, logger } = options;
  const clock = options.clock ?? { now: () => scheduler.now(), speed: 1 };
  const concurrency = options.concurrency ?? 8;
  const http =
    options.http ??
    createHttpClient({
      concurrency,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      timeoutMs: options.timeoutMs,
      requestDeadlineMs: options.requestDeadlineMs,
      minBytesPerSecond: options.minBytesPerSecond,
      maxFrameBytes: options.maxFrameBytes,
      maxRetryAfterMs: options.maxRetryAfterMs,
      authorization: withoutCredentials(options.baseUrl ?? DEFAULT_BASE_URL).authorization,
      gate: createRequestGate({ ratePerSecond: options.ratePerSecond, bytesPerSecond: options.bytesPerSecond }),
      onRetry: (error) => {
        logger?.debug({ url: error.config?.url, error: error.message }, 'retrying');
        options.metrics?.retried();
      },
    });
  const orm = options.orm ?? (await openCatalog({ dbPath: options.dbPath ?? DEFAULT_DB_PATH }));
  try {
    options.metrics?.newestFrames(await newestFrames(orm, options.terminal ?? DEFAULT_TERMINAL));
    const cycle = watchCycle({
      options,
      orm,
      http,
      streams: options.streams ?? DEFAULT_STREAMS,
      terminal: options.terminal ?? DEFAULT_TERMINAL,
      intervalMinutes: options.intervalMinutes ?? 10,
    });
    let cycles = 0;
    let failedCycles = 0;
    let lastCycle: CycleReport | undefined;
    await lastValueFrom(
      watchSchedule(
        { periodMs: everyMs / clock.speed, settleMs, clock: () => clock.now(), scheduler, stop: abortedNotice(options.signal), succeeded: (report) => report.ok },
        cycle,
      ).pipe(
        tap((result) => {
          cycles += 1;
          // watchCycle does not throw; this only guards against a cycle function that does
          const report = result.ok ? result.value : undefined;
          if (!report?.ok) failedCycles += 1;
          lastCycle = report;
        }),
        options.maxCycles === undefined ? identity : take(options.maxCycles),
      ),
      { defaultValue: undefined },
    );
    return { cycles, failedCycles, ...(lastCycle ? { lastCycle } : {}) };
  } finally {
    if (!options.orm) await orm.close();
  }
}
