import { asyncScheduler, concatMap, defer, last, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { StaleRun } from '../catalog/stale-frames.ts';
import type { DayReading } from '../discovery/completeness.ts';
import { saveReportFile, toReport, type DownloadReport } from '../report/json-report.ts';
import { emptyTally, type DownloadTally, type OutcomeCounts } from './collect-stats.ts';

export interface WriteReportOptions {
  readonly config?: Readonly<Record<string, unknown>>;
  readonly interrupted?: () => boolean;
  readonly stopReason?: () => string | undefined;
  /** How many HTTP requests were retried. */
  readonly retries?: () => number;
  readonly discovery?: () => readonly DayReading[] | undefined;
  /** The runs of identical frames among the dates and streams of the run, once every frame is cataloged. */
  readonly staleRuns?: (perDateStream: Readonly<Record<string, OutcomeCounts>>) => Promise<readonly StaleRun[]>;
  readonly scheduler?: SchedulerLike;
}

/** Writes the final tally as a JSON report at `path` (when given) and emits the report; an empty run is dated from the subscription. */
export function writeReport(path: string | undefined, options: WriteReportOptions = {}): OperatorFunction<DownloadTally, DownloadReport> {
  const { scheduler = asyncScheduler } = options;
  return (source) =>
    defer(() => {
      const startedAt = scheduler.now();
      return source.pipe(
        last(undefined, undefined as DownloadTally | undefined),
        concatMap(async (found) => {
          const tally = found ?? emptyTally(startedAt);
          return toReport(tally, options, await options.staleRuns?.(tally.perDateStream));
        }),
        concatMap(async (report) => {
          if (path) await saveReportFile(path, report);
          return report;
        }),
      );
    });
}
