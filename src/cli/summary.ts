import type { DownloadReport } from '../sinks/write-report.ts';
import { formatBytes, formatDuration } from '../format.ts';

/** The human summary of a download, for stderr. */
export function formatSummary(report: DownloadReport, reportPath: string): string {
  const { stats } = report;
  const seconds = Math.max(stats.durationMs, 1) / 1000;
  return [
    `${report.interrupted ? 'Interrupted' : 'Done'}: ${stats.requested} frames: ${stats.downloaded} downloaded` +
      ` (${stats.thumbnails} from thumbnails), ${stats.alreadyExisted} already there, ${stats.notFound} not on the CDN, ${stats.failed} failed`,
    `${formatBytes(stats.bytes)} in ${formatDuration(stats.durationMs)}` +
      ` (${(stats.downloaded / seconds).toFixed(1)} frames/s, ${formatBytes(stats.bytes / seconds)}/s), success rate ${stats.successRate.toFixed(2)} %`,
    ...(report.stopReason ? [`Stopped: ${report.stopReason}`] : []),
    `Report: ${reportPath}`,
    '',
  ].join('\n');
}
