import type { Argv } from 'yargs';
import { assertBaseUrl, DEFAULT_BASE_URL } from '../operators/build-urls.ts';
import { MAX_CONCURRENCY, MAX_RETRIES } from '../operators/fetch-frames.ts';
import { DEFAULT_OUT, type DownloadOptions } from '../run-download.ts';
import { DEFAULT_STREAMS, DEFAULT_TERMINAL } from '../sources/frame-grid.ts';
import { DEFAULT_DB_PATH } from '../sinks/open-catalog.ts';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MIN_BYTES_PER_SECOND, DEADLINE_PER_TIMEOUT, LARGEST_FRAME_BYTES } from '../http/http-client.ts';
import { MAX_TIMER_MS } from '../timer-limit.ts';
import { byteAmount, commaList, positiveNumber, wholeNumber } from './options.ts';

/** Below these a run would wait for hours per frame: surely a typo. */
const MIN_RATE_PER_SECOND = 0.001;
const MIN_BANDWIDTH = 1024;

/** The options of every command that fetches frames (download, watch): what, from where, into where, how hard. */
export function fetchOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('streams', { type: 'string', coerce: commaList, default: DEFAULT_STREAMS.join(','), describe: 'Comma-separated streams' })
    .option('terminal', { type: 'string', default: DEFAULT_TERMINAL, describe: 'Terminal the camera belongs to (apm: APM Terminals, Los Angeles)' })
    .option('interval', { coerce: wholeNumber('--interval', 1, 1440), default: 10, describe: 'Grid interval in minutes' })
    .option('base-url', { type: 'string', default: DEFAULT_BASE_URL, describe: 'CDN to fetch from (e.g. a `draydog simulate` URL)' })
    .option('out', { type: 'string', default: DEFAULT_OUT, describe: 'Root of the image tree' })
    .option('db', { type: 'string', default: DEFAULT_DB_PATH, describe: 'Catalog: a SQLite file (a path or sqlite:PATH) or PostgreSQL (postgres://user:password@host:port/database)' })
    .option('concurrency', { coerce: wholeNumber('--concurrency', 1, MAX_CONCURRENCY), default: 8, describe: 'Frames fetched at once' })
    .option('retries', { coerce: wholeNumber('--retries', 0, MAX_RETRIES), default: 3, describe: 'Retries per request' })
    .option('retry-delay', { coerce: wholeNumber('--retry-delay', 0, MAX_TIMER_MS), default: 1000, describe: 'Base backoff in ms (doubles each retry)' })
    .option('timeout', { coerce: wholeNumber('--timeout', 1, MAX_TIMER_MS), default: 30_000, describe: 'Longest time a request may go without receiving a byte, in ms' })
    .option('request-deadline', {
      coerce: wholeNumber('--request-deadline', 1, MAX_TIMER_MS),
      defaultDescription: `${DEADLINE_PER_TIMEOUT} x --timeout`,
      describe: 'Longest time one request may take in all, in ms, however steadily its bytes come',
    })
    .option('min-speed', { coerce: byteAmount('--min-speed', { min: 0, unit: 'bytes per second' }), default: DEFAULT_MIN_BYTES_PER_SECOND, defaultDescription: '1K', describe: 'A body slower than this many bytes per second (over each --timeout) is aborted; 0: no floor' })
    .option('max-frame-size', {
      coerce: byteAmount('--max-frame-size', { min: 1024, max: LARGEST_FRAME_BYTES }),
      default: DEFAULT_MAX_FRAME_BYTES,
      defaultDescription: '8M',
      describe: 'A response body larger than this is refused (as soon as its Content-Length or its bytes say so) and not retried',
    })
    .option('max-retry-after', { coerce: wholeNumber('--max-retry-after', 0, MAX_TIMER_MS), default: 60_000, describe: 'Longest Retry-After obeyed, in ms' })
    .option('thumbnail-fallback', { type: 'boolean', default: true, describe: 'Fetch the thumbnail when the full frame is missing' })
    .option('rate', { coerce: positiveNumber('--rate', MIN_RATE_PER_SECOND), describe: 'At most N requests per second' })
    .option('bandwidth', { coerce: byteAmount('--bandwidth', { min: MIN_BANDWIDTH, unit: 'bytes per second' }), describe: 'At most this many bytes per second, e.g. 5M' })
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
    requestDeadlineMs: args.requestDeadline,
    minBytesPerSecond: args.minSpeed,
    maxFrameBytes: args.maxFrameSize,
    maxRetryAfterMs: args.maxRetryAfter,
    thumbnailFallback: args.thumbnailFallback,
    ratePerSecond: args.rate,
    bytesPerSecond: args.bandwidth,
    maxConsecutiveFailures: args.maxConsecutiveFailures,
    fsync: args.fsync,
  } satisfies DownloadOptions;
}
