import type { Logger } from 'pino';
import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import type { OutcomeItem } from '../items.ts';
import { emptyTally, type DownloadStats, type DownloadTally } from '../sinks/collect-stats.ts';
import { formatBytes, formatDuration, plural } from '../report/format.ts';
import type { CliIo } from './io.ts';
import type { StatusLine } from './status-line.ts';
import { downloadRates, formatOutcomes, formatRates } from './summary.ts';
import { duration } from './watch-command.ts';

export type ProgressMode = 'bar' | 'json' | 'none';

const PROGRESS_MODES: readonly ProgressMode[] = ['bar', 'json', 'none'];
const DEFAULT_STATS_MS = 10_000;

/** `--progress[=bar|json|none]`, `--no-progress` and `--stats`, as rclone has them. */
export function progressOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('progress', {
      type: 'string',
      describe:
        'bar: a progress bar on a terminal (the default there); json: NDJSON events on stdout, one per frame and periodic stats; none (also --no-progress)',
      coerce: (raw: unknown): ProgressMode | undefined => {
        if (raw === undefined) return undefined;
        if (raw === false) return 'none';
        const mode = raw === true || raw === '' ? 'bar' : String(raw);
        if (!PROGRESS_MODES.includes(mode as ProgressMode))
          throw new InputError(`invalid --progress "${mode}": expected bar, json or none`);
        return mode as ProgressMode;
      },
    })
    .option('stats', {
      coerce: duration('--stats'),
      default: DEFAULT_STATS_MS,
      defaultDescription: '10s',
      describe: 'Without a bar, log a one-line progress every interval (10s, 1m; 0 never)',
    });
}

export interface ProgressSettings {
  readonly mode?: ProgressMode;
  /** Periodic stats (a log line, or a JSON event with `--progress=json`); 0 for none. */
  readonly statsEveryMs?: number;
  /** Where the bar goes: given only when one is to be shown. */
  readonly statusLine?: StatusLine;
}

export interface Progress {
  update(tally: DownloadTally): void;
  outcome(item: OutcomeItem): void;
  retried(): void;
  stop(): void;
}

/** The bar's refresh at most this often: a redraw per frame would flood the terminal. */
const DRAW_EVERY_MS = 100;
const BAR_WIDTH = 20;

function eta(stats: DownloadStats, total: number): string {
  if (stats.requested === 0 || stats.durationMs === 0) return '-';
  return formatDuration(Math.max(total - stats.requested, 0) * (stats.durationMs / stats.requested));
}

/** What the bar and the periodic stats line say, the most wanted first: a narrow terminal cuts the end. */
function progressText(stats: DownloadStats, total: number, retries: number): string {
  return `${stats.requested}/${total} frames | ETA ${eta(stats, total)} | ${formatOutcomes(stats)} | ${formatRates(stats)}, ${formatBytes(stats.bytes)} | ${plural(retries, 'retry', 'retries')}`;
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
}

function frameEvent(item: OutcomeItem): Record<string, unknown> {
  const { stream, capturedAt } = item.frame;
  const common = { type: 'frame', outcome: item.kind, stream, capturedAt };
  switch (item.kind) {
    case 'downloaded':
      return { ...common, url: item.url, variant: item.variant, bytes: item.bytes, path: item.filePath, attempts: item.attempts };
    case 'alreadyExisted':
      return { ...common, path: item.filePath };
    case 'notFound':
      return { ...common, urls: item.urls, attempts: item.attempts };
    case 'failed':
      return { ...common, url: item.url, error: item.error, attempts: item.attempts };
  }
}

/**
 * A run's progress: a bar on a terminal (log lines print above it); with `--progress=json` one NDJSON
 * event per frame outcome and periodic stats on stdout; otherwise a stats log line every `--stats`.
 */
export function createProgress(
  io: CliIo,
  logger: Logger,
  total: number,
  { mode, statsEveryMs = DEFAULT_STATS_MS, statusLine }: ProgressSettings,
): Progress {
  let retries = 0;
  let stats = emptyTally(Date.now()).stats;
  let drawnAt = 0;
  let stopped = false;
  const draw = () => {
    drawnAt = Date.now();
    statusLine?.draw(`${bar(stats.requested, total)} ${progressText(stats, total, retries)}`);
  };
  const snapshot = () => ({ total, ...stats, retries, ...downloadRates(stats), eta: eta(stats, total) });
  const emit = (event: Record<string, unknown>) => io.stdout.write(`${JSON.stringify(event)}\n`);
  const logStats = () =>
    mode === 'json'
      ? emit({ type: 'stats', ...snapshot() })
      : logger.info({ progress: snapshot() }, `progress ${progressText(stats, total, retries)}`);
  const timer = !statusLine && statsEveryMs > 0 ? setInterval(logStats, statsEveryMs) : undefined;
  timer?.unref();
  if (statusLine) draw();
  return {
    update(tally) {
      stats = tally.stats;
      if (Date.now() - drawnAt >= DRAW_EVERY_MS) draw();
    },
    outcome(item) {
      if (mode === 'json') emit(frameEvent(item));
      if (logger.isLevelEnabled('trace')) logger.trace(frameEvent(item), `frame ${item.kind}`);
    },
    retried: () => {
      retries += 1;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (mode === 'json') emit({ type: 'stats', final: true, ...snapshot() });
      statusLine?.end();
    },
  };
}
