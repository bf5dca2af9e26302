import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { filter } from 'rxjs';
import { loadKnownMissing, MISS_SETTLES_AFTER_MS } from '../catalog/known-missing.ts';
import { newestFrames } from '../catalog/summary.ts';
import { runDownload } from '../download.ts';
import { frameKey } from '../frame/layout.ts';
import { formatTimestamp, parseTimestamp } from '../frame/time.ts';
import { DEFAULTS, type FetchSettings } from '../settings.ts';
import type { DownloadReport } from '../report/json-report.ts';
import { gridFrames } from './frame-source.ts';
import type { WatchOptions } from './watch.ts';
import type { WatchTick } from './watch-schedule.ts';

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

export interface CycleContext {
  readonly options: WatchOptions;
  readonly settings: FetchSettings;
  readonly orm: CatalogOrm;
  readonly http: AxiosInstance;
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
  const { options, settings, orm, http } = context;
  const { streams, terminal, intervalMinutes } = settings;
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
      const knownMissing = await loadKnownMissing(orm, { baseUrl: settings.baseUrl, terminal, from: tick.dates[0], to: tick.dates.at(-1) });
      const settledBefore = tick.now - MISS_SETTLES_AFTER_MS;
      const frames = frameSource({ dates: tick.dates, until: tick.now, streams, terminal, intervalMinutes }).pipe(
        filter((item) => !(knownMissing.has(frameKey(item.frame)) && parseTimestamp(item.frame.capturedAt) <= settledBefore)),
      );
      const report = await runDownload({
        ...settings,
        frames,
        recheckMissing: true,
        orm,
        http,
        signal: options.signal,
        abortSignal: options.abortSignal,
        logger,
        onProgress: (tally) => metrics?.cycleProgress(tally),
        onOutcome: options.onOutcome,
      });
      metrics?.newestFrames(await newestFrames(orm, terminal));
      const error = whyFailed(report);
      cycle = { ...base, ok: error === undefined, durationMs: performance.now() - startedAt, report, ...(error ? { error } : {}) };
    } catch (error) {
      cycle = {
        ...base,
        ok: false,
        durationMs: performance.now() - startedAt,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    metrics?.cycleFinished(cycle);
    logCycle(
      logger,
      cycle,
      options.signal?.aborted ? 'stopping' : `trying again in ${Math.round((options.everyMs ?? DEFAULTS.everyMs) / 60_000) || '<1'} min`,
    );
    options.onCycle?.(cycle);
    return cycle;
  };
}

function logCycle(logger: Logger | undefined, cycle: CycleReport, next: string): void {
  if (!logger) return;
  const stats = cycle.report?.stats;
  const counts = stats && {
    downloaded: stats.downloaded,
    alreadyExisted: stats.alreadyExisted,
    notFound: stats.notFound,
    failed: stats.failed,
    bytes: stats.bytes,
  };
  const fields = { cycle: cycle.cycle, dates: cycle.dates, until: cycle.until, durationMs: Math.round(cycle.durationMs), ...counts };
  const what = stats
    ? `${stats.downloaded} downloaded, ${stats.alreadyExisted} already there, ${stats.notFound} not on the CDN, ${stats.failed} failed`
    : 'no frames handled';
  if (cycle.ok) logger.info(fields, `cycle ${cycle.cycle} (${cycle.dates.join(', ')} up to ${cycle.until.slice(11)}): ${what}`);
  else logger.warn({ ...fields, error: cycle.error }, `cycle ${cycle.cycle} failed: ${cycle.error}; ${what}; ${next}`);
}
