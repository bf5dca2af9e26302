import { runDownload, type DownloadOptions } from '../download.ts';
import type { DownloadReport } from '../report/json-report.ts';
import type { Partition } from './partitions.ts';

/**
 * How one partition's run ended, for whatever runs the jobs: `done`; `unfinished` when its signal
 * stopped it (hand the partition back); `stopped` when it stopped itself (the circuit breaker, a CDN
 * it cannot reach, a disk that refuses frames: the fleet should stop too); `failed` when frames
 * failed after all their retries (try the partition again later; what was written is skipped then).
 */
export type PartitionOutcome =
  | { readonly kind: 'done'; readonly report: DownloadReport }
  | { readonly kind: 'unfinished'; readonly report: DownloadReport }
  | { readonly kind: 'stopped' | 'failed'; readonly reason: string; readonly report: DownloadReport };

/** The job handler of a fleet: the ordinary download pipeline (`runDownload`) on one partition, with `options` for the rest. */
export async function downloadPartition(
  { terminal, date, stream, discover }: Partition,
  options: Omit<DownloadOptions, 'from' | 'to' | 'streams' | 'terminal' | 'framesFile' | 'frames'>,
): Promise<PartitionOutcome> {
  const report = await runDownload({
    ...options,
    from: date,
    to: date,
    streams: [stream],
    terminal,
    discover: discover ? { ...options.discover, pageUrl: discover.pageUrl } : undefined,
  });
  if (report.stopReason) return { kind: 'stopped', reason: report.stopReason, report };
  if (report.interrupted) return { kind: 'unfinished', report };
  const { failed, requested } = report.stats;
  const shortDay = report.discovery?.find(({ status }) => status === 'incomplete');
  if (failed > 0) return { kind: 'failed', reason: `${failed} of ${requested} frames failed, e.g. ${report.failures[0]?.error}`, report };
  if (shortDay) return { kind: 'failed', reason: `the history page listed ${date} ${stream} short: ${shortDay.note}`, report };
  return { kind: 'done', report };
}
