import type { Logger } from 'pino';
import type { DownloadStats } from '../sinks/collect-stats.ts';
import type { DownloadReport } from '../report/json-report.ts';
import { describeStaleRun } from '../catalog/stale-frames.ts';
import { formatBytes, formatDuration, plural } from '../report/format.ts';
import { isInteractive, type CliIo } from './io.ts';
import { DEFAULTS } from '../settings.ts';

/** How the run ended: stopped by draydog itself (the reason follows), interrupted by the user, or done. */
function endOf({ stopReason, interrupted }: DownloadReport): string {
  return stopReason ? 'Stopped' : interrupted ? 'Interrupted' : 'Done';
}

const asSentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** One warning per stream that had dates with no frame at all: the likely causes, not only the count. */
export function emptyDateWarnings({ emptyDateStreams, config }: DownloadReport): string[] {
  const datesByStream = new Map<string, string[]>();
  for (const key of emptyDateStreams) {
    const [date, stream] = key.split('/');
    datesByStream.set(stream, [...(datesByStream.get(stream) ?? []), date]);
  }
  const onGrid = !config.framesFile && !config.discover;
  const hint = `is --base-url / the stream name right?${onGrid ? ` frames off the ${config.intervalMinutes ?? DEFAULTS.intervalMinutes}-minute grid need --discover` : ''}`;
  return [...datesByStream].map(([stream, dates]) => {
    const when = dates.length === 1 ? `on ${dates[0]}` : `on ${dates.length} dates (${dates[0]} to ${dates.at(-1)})`;
    return `no frame of ${stream} ${when}: ${hint}`;
  });
}

/** One warning per run of identical frames in a row among the run's dates and streams: a camera that hung keeps serving one picture. */
export function staleFrameWarnings({ staleFrames }: DownloadReport): string[] {
  return Object.entries(staleFrames).flatMap(([key, runs]) => {
    const [date, stream] = key.split('/');
    return runs.map((run) => `${describeStaleRun({ ...run, date, stream })}: the camera may have hung`);
  });
}

/** The one definition of a run's speed, for the bar, the periodic stats and the summary: frames and bytes downloaded per second so far. */
export function downloadRates(stats: Pick<DownloadStats, 'downloaded' | 'bytes' | 'durationMs'>) {
  const seconds = Math.max(stats.durationMs, 1) / 1000;
  return { framesPerSecond: stats.downloaded / seconds, bytesPerSecond: stats.bytes / seconds };
}

export const formatRates = (stats: Pick<DownloadStats, 'downloaded' | 'bytes' | 'durationMs'>) => {
  const { framesPerSecond, bytesPerSecond } = downloadRates(stats);
  return `${framesPerSecond.toFixed(1)} frames/s, ${formatBytes(bytesPerSecond)}/s`;
};

/** downloaded / already there / missing / failed, as the bar, the periodic stats and the summary say it. */
export const formatOutcomes = (stats: Pick<DownloadStats, 'downloaded' | 'thumbnails' | 'alreadyExisted' | 'notFound' | 'failed'>) =>
  `${stats.downloaded} downloaded${stats.thumbnails ? ` (${stats.thumbnails} from thumbnails)` : ''}, ${stats.alreadyExisted} already there, ${stats.notFound} not on the CDN, ${stats.failed} failed`;

/** The human summary of a download; `reportPath` is undefined when no report was written. */
export function formatSummary(report: DownloadReport & { stats: { retries?: number } }, reportPath: string | undefined): string {
  const { stats } = report;
  return [
    `${endOf(report)}: ${plural(stats.requested, 'frame')}: ${formatOutcomes(stats)}`,
    `${formatBytes(stats.bytes)} in ${formatDuration(stats.durationMs)} (${formatRates(stats)}), ${plural(stats.retries ?? 0, 'retry', 'retries')}, success rate ${stats.successRate.toFixed(2)} %`,
    ...(report.stopReason ? [asSentence(report.stopReason)] : []),
    reportPath ? `Report: ${reportPath}` : 'Report: none written, nothing changed (--report PATH writes one anyway)',
  ].join('\n');
}

/**
 * A command's closing summary at the info level: lines of text on a terminal; elsewhere one JSON log
 * line carrying `fields` too, so that every line on stderr is JSON for log shippers. `-q` hides it.
 */
export function printSummary(io: CliIo, logger: Logger, text: string, fields: Record<string, unknown> = {}): void {
  if (!logger.isLevelEnabled('info')) return;
  if (isInteractive(io)) io.stderr.write(`${text}\n`);
  else logger.info({ summary: true, ...fields }, text.replaceAll('\n', '; '));
}
