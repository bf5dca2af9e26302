import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { asyncScheduler, fromEvent, identity, lastValueFrom, NEVER, of, take, tap, type Observable, type SchedulerLike } from 'rxjs';
import { assertCatalogLocation, openCatalog } from '../catalog/open-catalog.ts';
import { newestFrames } from '../catalog/summary.ts';
import { frameHttpClient, type DownloadOptions } from '../download.ts';
import { InputError } from '../errors.ts';
import { DAY_MS } from '../frame/time.ts';
import { formatDuration } from '../report/format.ts';
import { DEFAULTS, MAX_TIMER_MS, resolveFetchSettings, type FetchSettings } from '../settings.ts';
import { frameGrid } from '../sources/frame-grid.ts';
import type { WatchClock } from './clock.ts';
import { watchCycle, type CycleReport } from './cycle.ts';
import type { FrameSource } from './frame-source.ts';
import type { WatchMetrics } from './metrics.ts';
import { watchSchedule } from './watch-schedule.ts';

export interface WatchOptions extends Partial<FetchSettings>, Pick<DownloadOptions, 'onOutcome' | 'onRetry'> {
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

export interface WatchResult {
  readonly cycles: number;
  readonly failedCycles: number;
  readonly lastCycle?: CycleReport;
}

/** Checks what a watch is given before the first cycle, so bad input stops it at once instead of failing every cycle. */
export function validateWatchOptions(options: WatchOptions): void {
  const { everyMs = DEFAULTS.everyMs, settleMs = DEFAULTS.settleMs } = options;
  const { streams, terminal, intervalMinutes, dbPath } = resolveFetchSettings(options);
  if (!(everyMs > 0)) throw new InputError(`invalid --every "${everyMs}": expected a duration > 0`);
  const realPeriodMs = everyMs / (options.clock?.speed ?? 1);
  if (realPeriodMs > MAX_TIMER_MS) {
    throw new InputError(
      `invalid --every "${everyMs}": a cycle every ${formatDuration(realPeriodMs)} of real time is longer than ${formatDuration(MAX_TIMER_MS)}, the longest a timer waits`,
    );
  }
  if (!(settleMs >= 0 && settleMs <= DAY_MS)) throw new InputError(`invalid --settle "${settleMs}": expected a duration from 0 to 24h`);
  frameGrid({ streams, terminal, intervalMinutes });
  if (options.maxCycles !== undefined && !(options.maxCycles >= 1))
    throw new InputError(`invalid max cycles "${options.maxCycles}": expected a number >= 1`);
  if (!options.orm) assertCatalogLocation(dbPath);
}

/** Emits once `signal` aborts (at once if it has). */
function abortNotice(signal: AbortSignal | undefined): Observable<unknown> {
  if (!signal) return NEVER;
  return signal.aborted ? of(signal.reason) : fromEvent(signal, 'abort');
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
  const { everyMs = DEFAULTS.everyMs, settleMs = DEFAULTS.settleMs, scheduler = asyncScheduler, logger } = options;
  const clock = options.clock ?? { now: () => scheduler.now(), speed: 1 };
  const settings = resolveFetchSettings(options);
  const http =
    options.http ??
    frameHttpClient(settings, {
      onRetry: (error) => {
        logger?.debug({ url: error.config?.url, error: error.message }, 'retrying');
        options.metrics?.retried();
        options.onRetry?.();
      },
    });
  const orm = options.orm ?? (await openCatalog({ dbPath: settings.dbPath }));
  try {
    options.metrics?.newestFrames(await newestFrames(orm, settings.terminal));
    const cycle = watchCycle({ options, settings, orm, http });
    let cycles = 0;
    let failedCycles = 0;
    let lastCycle: CycleReport | undefined;
    await lastValueFrom(
      watchSchedule(
        {
          periodMs: everyMs / clock.speed,
          settleMs,
          clock: () => clock.now(),
          scheduler,
          stop: abortNotice(options.signal),
          succeeded: (report) => report.ok,
        },
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
