import type { DownloadReport } from '../sinks/write-report.ts';
import { formatBytes, formatDuration } from '../format.ts';

/** How the run ended: stopped by draydog itself (the reason follows), interrupted by the user, or done. */
function endOf({ stopReason, interrupted }: DownloadReport): string {
  return stopReason ? 'Stopped' : interrupted ? 'Interrupted' : 'Done';
}

const asSentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** One warning per stream that had dates with no frame at all: the likely causes, not only the count. */
function emptyDateWarnings({ emptyDateStreams, config }: DownloadReport): string[] {
  const datesByStream = new Map<string, string[]>();
  for (const key of emptyDateStreams) {
    const [date, stream] = key.split('/');
    datesByStream.set(stream, [...(datesByStream.get(stream) ?? []), date]);
  }
  const onGrid = !config.framesFile && !config.discover;
  const hint = `is --base-url / the stream name right?${onGrid ? ` frames off the ${config.intervalMinutes ?? 10}-minute grid need --discover` : ''}`;
  return [...datesByStream].map(([stream, dates]) => {
    const when = dates.length === 1 ? `on ${dates[0]}` : `on ${dates.length} dates (${dates[0]} to ${dates.at(-1)})`;
    return `Warning: no frame of ${stream} ${when}: ${hint}`;
  });
}

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
    ...emptyDateWarnings(report),
    `Report: ${reportPath}`,
    '',
  ].join('\n');
}
