import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import type { DownloadTally } from '../sinks/collect-stats.ts';
import { formatBytes } from '../format.ts';
import { isInteractive, type CliIo } from './io.ts';

export interface Progress {
  update(tally: DownloadTally): void;
  retried(): void;
  stop(): void;
}

const LOG_EVERY_MS = 5000;

/** A bar on a terminal; elsewhere (a pipe, CI) a progress log line every few seconds. */
export function createProgress(io: CliIo, logger: Logger, total: number): Progress {
  let retries = 0;
  let latest: DownloadTally | undefined;
  const payload = () => ({ bytes: formatBytes(latest?.stats.bytes ?? 0), retries });
  if (isInteractive(io)) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr,
        format: '{bar} {value}/{total} frames | {bytes} | {rate} frames/s | ETA {eta_formatted} | {retries} retries',
        hideCursor: true,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { ...payload(), rate: '0.0' });
    return {
      update(tally) {
        latest = tally;
        const rate = (tally.stats.requested / Math.max(tally.stats.durationMs / 1000, 0.001)).toFixed(1);
        bar.update(tally.stats.requested, { ...payload(), rate });
      },
      retried: () => (retries += 1),
      stop: () => bar.stop(),
    };
  }
  const log = () => {
    const { requested = 0, downloaded = 0, failed = 0 } = latest?.stats ?? {};
    logger.info({ done: requested, total, downloaded, failed, bytes: latest?.stats.bytes ?? 0, retries }, `progress ${requested}/${total} frames`);
  };
  const timer = setInterval(log, LOG_EVERY_MS);
  timer.unref();
  return {
    update: (tally) => (latest = tally),
    retried: () => (retries += 1),
    stop: () => clearInterval(timer),
  };
}
