import { asyncScheduler, defer, filter, map, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { isOutcome, type OutcomeItem, type PipelineItem } from '../items.ts';

export interface OutcomeCounts {
  requested: number;
  downloaded: number;
  alreadyExisted: number;
  notFound: number;
  failed: number;
  /** Downloaded this run. */
  bytes: number;
  /** Frames saved from their thumbnail because the full-size frame was missing. */
  thumbnails: number;
}

export interface DownloadStats extends OutcomeCounts {
  /** (downloaded + alreadyExisted) / (requested - notFound) x 100; 0 when frames were asked for and none exists, 100 when none was. */
  successRate: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface FailureRecord {
  readonly stream: string;
  readonly capturedAt: string;
  readonly url: string;
  readonly error: string;
  readonly attempts: number;
}

export interface DownloadTally {
  readonly stats: DownloadStats;
  /** Keyed `<YYYY-MM-DD>/<stream>`. */
  readonly perDateStream: Readonly<Record<string, OutcomeCounts>>;
  readonly failures: readonly FailureRecord[];
}

export function emptyCounts(): OutcomeCounts {
  return { requested: 0, downloaded: 0, alreadyExisted: 0, notFound: 0, failed: 0, bytes: 0, thumbnails: 0 };
}

export function successRate(counts: OutcomeCounts): number {
  const existing = counts.requested - counts.notFound;
  // a run that found nothing at all did not succeed: it most likely asked the wrong CDN or stream
  if (existing === 0) return counts.requested === 0 ? 100 : 0;
  return ((counts.downloaded + counts.alreadyExisted) / existing) * 100;
}

function count(counts: OutcomeCounts, outcome: OutcomeItem): void {
  counts.requested += 1;
  counts[outcome.kind] += 1;
  if (outcome.kind === 'downloaded') {
    counts.bytes += outcome.bytes;
    if (outcome.variant === 'thumbnail') counts.thumbnails += 1;
  }
}

export interface CollectStatsOptions {
  readonly scheduler?: SchedulerLike;
}

/** A running tally, emitted after every outcome; other items are not counted. */
export function collectStats(options: CollectStatsOptions = {}): OperatorFunction<PipelineItem, DownloadTally> {
  const { scheduler = asyncScheduler } = options;
  return (source) =>
    defer(() => {
      const startedAt = scheduler.now();
      const totals = emptyCounts();
      const perDateStream: Record<string, OutcomeCounts> = {};
      const failures: FailureRecord[] = [];
      return source.pipe(
        filter(isOutcome),
        map((outcome: OutcomeItem): DownloadTally => {
          const key = `${outcome.frame.date}/${outcome.frame.stream}`;
          count(totals, outcome);
          perDateStream[key] ??= emptyCounts();
          count(perDateStream[key], outcome);
          if (outcome.kind === 'failed') {
            const { stream, capturedAt } = outcome.frame;
            failures.push({ stream, capturedAt, url: outcome.url, error: outcome.error, attempts: outcome.attempts });
          }
          return { stats: statsAt(totals, startedAt, scheduler.now()), perDateStream, failures };
        }),
      );
    });
}

export function statsAt(counts: OutcomeCounts, startedAtMs: number, nowMs: number): DownloadStats {
  return {
    ...counts,
    successRate: Math.round(successRate(counts) * 100) / 100,
    startedAt: new Date(startedAtMs).toISOString(),
    finishedAt: new Date(nowMs).toISOString(),
    durationMs: nowMs - startedAtMs,
  };
}

export function emptyTally(startedAtMs: number, nowMs = startedAtMs): DownloadTally {
  return { stats: statsAt(emptyCounts(), startedAtMs, nowMs), perDateStream: {}, failures: [] };
}
