import type { Argv } from 'yargs';
import { assertBaseUrl, DEFAULT_BASE_URL } from '../operators/build-urls.ts';
import { MAX_CONCURRENCY, MAX_RETRIES } from '../operators/fetch-frames.ts';
import { DEFAULT_OUT, type DownloadOptions } from '../run-download.ts';
import { DEFAULT_STREAMS, DEFAULT_TERMINAL } from '../sources/frame-grid.ts';
import { DEFAULT_DB_PATH } from '../sinks/open-catalog.ts';
import { byteRate, commaList, positiveNumber, wholeNumber } from './options.ts';

/** The options of every command that fetches frames (download, watch): what, from where, into where, how hard. */
export function fetchOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('streams', { type: 'string', coerce: commaList, default: DEFAULT_STREAMS.join(','), describe: 'Comma-separated streams' })
    .option('terminal', { type: 'string', default: DEFAULT_TERMINAL, describe: 'Terminal the camera belongs to (apm: APM Terminals, Los Angeles)' })
    .option('interval', { coerce: wholeNumber('--interval', 1, 1440), default: 10, describe: 'Grid interval in minutes' })
    .option('base-url', { type: 'string', default: DEFAULT_BASE_URL, describe: 'CDN to fetch from (e.g. a `draydog simulate` URL)' })
    .option('out', { type: 'string', default: DEFAULT_OUT, describe: 'Root of the image tree' })
    .option('db', { type: 'string', default: DEFAULT_DB_PATH, describe: 'SQLite catalog' })
    .option('concurrency', { coerce: wholeNumber('--concurrency', 1, MAX_CONCURRENCY), default: 8, describe: 'Frames fetched at once' })
    .option('retries', { coerce: wholeNumber('--retries', 0, MAX_RETRIES), default: 3, describe: 'Retries per request' })
    .option('retry-delay', { coerce: wholeNumber('--retry-delay', 0), default: 1000, describe: 'Base backoff in ms (doubles each retry)' })
    .option('timeout', { coerce: wholeNumber('--timeout', 1), default: 30_000, describe: 'Longest time a request may go without receiving a byte, in ms' })
    .option('max-retry-after', { coerce: wholeNumber('--max-retry-after', 0), default: 60_000, describe: 'Longest Retry-After obeyed, in ms' })
    .option('thumbnail-fallback', { type: 'boolean', default: true, describe: 'Fetch the thumbnail when the full frame is missing' })
    .option('rate', { coerce: positiveNumber('--rate'), describe: 'At most N requests per second' })
    .option('bandwidth', { coerce: byteRate('--bandwidth'), describe: 'At most this many bytes per second, e.g. 5M' })
    .option('fsync', { type: 'boolean', default: false, describe: 'Sync every image to stable storage before it gets its name (slower; a power cut then loses nothing)' })
    .option('max-consecutive-failures', { coerce: wholeNumber('--max-consecutive-failures', 1), default: 50, describe: 'Stop after N frames in a row failed' });
}

export type FetchArgs = Awaited<ReturnType<typeof fetchOptions>['argv']>;

/** The pipeline options the fetch flags stand for. */
export function fetchSettingsOf(args: FetchArgs) {
  return {
    streams: args.streams,
    terminal: args.terminal,
    intervalMinutes: args.interval,
    baseUrl: assertBaseUrl(args.baseUrl),
    out: args.out,
    dbPath: args.db,
    concurrency: args.concurrency,
    retries: args.retries,
    retryDelayMs: args.retryDelay,
    timeoutMs: args.timeout,
    maxRetryAfterMs: args.maxRetryAfter,
    thumbnailFallback: args.thumbnailFallback,
    ratePerSecond: args.rate,
    bytesPerSecond: args.bandwidth,
    maxConsecutiveFailures: args.maxConsecutiveFailures,
    fsync: args.fsync,
  } satisfies DownloadOptions;
}
