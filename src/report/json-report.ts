import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { staleRunsByDateStream, type StaleRun } from '../catalog/stale-frames.ts';
import type { DayReading } from '../discovery/completeness.ts';
import type { DownloadStats, DownloadTally, FailureRecord, OutcomeCounts } from '../sinks/collect-stats.ts';
import type { WriteReportOptions } from '../sinks/write-report.ts';
import { writeFileAtomically } from '../disk/disk-store.ts';

export interface DownloadReport {
  /** The tally, and the HTTP requests retried (when the pipeline counted them). */
  readonly stats: DownloadStats & { readonly retries?: number };
  readonly perDateStream: Readonly<Record<string, OutcomeCounts>>;
  readonly failures: readonly FailureRecord[];
  /** The options the run was made with. */
  readonly config: Readonly<Record<string, unknown>>;
  /** True when the run was stopped before every frame was handled. */
  readonly interrupted: boolean;
  /** Why the run stopped early when it was not stopped by the user. */
  readonly stopReason?: string;
  /** `<YYYY-MM-DD>/<stream>` of every date and stream whose frames all answered missing: no frame of it at all. */
  readonly emptyDateStreams: readonly string[];
  /** Per `<YYYY-MM-DD>/<stream>`, the runs of identical frames one after the other in the catalog (a camera that hung), when the pipeline looked for them. */
  readonly staleFrames: Readonly<Record<string, readonly Omit<StaleRun, 'date' | 'stream'>[]>>;
  /** With discovery: per date and stream, the frames the history page listed, what it said it had, and whether that is complete. */
  readonly discovery?: readonly DayReading[];
}

/** The `<YYYY-MM-DD>/<stream>` keys whose every frame answered missing. */
export function emptyDateStreamsOf(perDateStream: Readonly<Record<string, OutcomeCounts>>): string[] {
  return Object.entries(perDateStream)
    .filter(([, counts]) => counts.requested > 0 && counts.notFound === counts.requested)
    .map(([key]) => key)
    .sort();
}

export function toReport(tally: DownloadTally, options: WriteReportOptions = {}, staleRuns: readonly StaleRun[] = []): DownloadReport {
  const stopReason = options.stopReason?.();
  const emptyDateStreams = emptyDateStreamsOf(tally.perDateStream);
  const stats = options.retries ? { ...tally.stats, retries: options.retries() } : tally.stats;
  const discovery = options.discovery?.();
  return {
    ...tally,
    stats,
    config: options.config ?? {},
    interrupted: options.interrupted?.() ?? false,
    ...(stopReason ? { stopReason } : {}),
    emptyDateStreams,
    staleFrames: staleRunsByDateStream(staleRuns),
    ...(discovery ? { discovery } : {}),
  };
}

/** `<out>/reports/download-<UTC time to the millisecond>.json`, so runs never share a name. */
export function defaultReportPath(out: string, now = new Date()): string {
  return join(out, 'reports', `download-${now.toISOString().replace(/[-:]/g, '')}.json`);
}

export async function saveReportFile(path: string, report: DownloadReport): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  await writeFileAtomically(path, Buffer.from(`${JSON.stringify(report, null, 2)}\n`));
  return path;
}
