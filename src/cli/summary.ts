import { shortDayWarnings } from '../discovery/completeness.ts';
import type { DownloadReport } from '../sinks/write-report.ts';
import { formatBytes, formatDuration } from '../format.ts';

/** How the run ended: stopped by draydog itself (the reason follows), interrupted by the user, or done. */
function endOf({ stopReason, interrupted }: DownloadReport): string {
  return stopReason ? 'Stopped' : interrupted ? 'Interrupted' : 'Done';
}

const asSentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The human summary of a download, for stderr. */
export function formatSummary(report: DownloadReport, reportPath: string): string {
  const { stats } = report;
  const seconds = Math.max(stats.durationMs, 1) / 1000;
  return [
    `${endOf(report)}: ${stats.requested} frames: ${stats.downloaded} downloaded` +
      ` (${stats.thumbnails} from thumbnails), ${stats.alreadyExisted} already there, ${stats.notFound} not on the CDN, ${stats.failed} failed`,
    `${formatBytes(stats.bytes)} in ${formatDuration(stats.durationMs)}` +
      ` (${(stats.downloaded / seconds).toFixed(1)} frames/s, ${formatBytes(stats.bytes / seconds)}/s), success rate ${stats.successRate.toFixed(2)} %`,
    ...(report.stopReason ? [asSentence(report.stopReason)] : []),
    ...shortDayWarnings(report.discovery ?? []),
    `Report: ${reportPath}`,
    '',
  ].join('\n');
}
