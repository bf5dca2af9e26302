import type { Argv } from 'yargs';
import { assertBaseUrl } from '../operators/build-urls.ts';
import { DEFAULTS, FLAG_OF, RANGES, type FetchSettings, type NumberSetting } from '../settings.ts';
import { byteAmount, positiveNumber, wholeNumber } from './options.ts';
import { fetchArchiveOption, cameraOptions, catalogOption } from './option-groups.ts';
import { camelCase } from './foreign-settings.ts';
import { DEADLINE_PER_TIMEOUT } from '../settings.ts';

/** A yargs `coerce` for a whole-number setting, in its range from settings.ts. */
const whole = (name: NumberSetting) => wholeNumber(`--${FLAG_OF[name]}`, RANGES[name].min, RANGES[name].max);
/** A yargs `coerce` for an amount of bytes, in its range from settings.ts. */
const bytes = (name: NumberSetting, unit?: string) => byteAmount(`--${FLAG_OF[name]}`, { ...RANGES[name], unit });

/** The options of every command that fetches frames (download, watch): what, from where, into where, how hard. */
export function fetchOptions<T>(yargs: Argv<T>) {
  return transferOptions(cameraOptions(yargs));
}

/** The fetch options but which cameras: a fleet worker takes the terminal and the stream from each partition. */
export function transferOptions<T>(yargs: Argv<T>) {
  return catalogOption(fetchArchiveOption(yargs))
    .option('interval', { coerce: whole('intervalMinutes'), default: DEFAULTS.intervalMinutes, describe: 'Grid interval in minutes' })
    .option('base-url', { type: 'string', default: DEFAULTS.baseUrl, describe: 'CDN to fetch from (e.g. a `draydog simulate` URL)' })
    .option('concurrency', { coerce: whole('concurrency'), default: DEFAULTS.concurrency, describe: 'Frames fetched at once' })
    .option('retries', { coerce: whole('retries'), default: DEFAULTS.retries, describe: 'Retries per request' })
    .option('retry-delay', {
      coerce: whole('retryDelayMs'),
      default: DEFAULTS.retryDelayMs,
      describe: 'Base backoff in ms (doubles each retry)',
    })
    .option('timeout', {
      coerce: whole('timeoutMs'),
      default: DEFAULTS.timeoutMs,
      describe: 'Longest time a request may go without receiving a byte, in ms',
    })
    .option('request-deadline', {
      coerce: whole('requestDeadlineMs'),
      defaultDescription: `${DEADLINE_PER_TIMEOUT} x --timeout`,
      describe: 'Longest time one request may take in all, in ms, however steadily its bytes come',
    })
    .option('min-speed', {
      coerce: bytes('minBytesPerSecond', 'bytes per second'),
      default: DEFAULTS.minBytesPerSecond,
      defaultDescription: '1K',
      describe: 'A body slower than this many bytes per second (over each --timeout) is aborted; 0: no floor',
    })
    .option('max-frame-size', {
      coerce: bytes('maxFrameBytes'),
      default: DEFAULTS.maxFrameBytes,
      defaultDescription: '8M',
      describe: 'A response body larger than this is refused (as soon as its Content-Length or its bytes say so) and not retried',
    })
    .option('max-retry-after', {
      coerce: whole('maxRetryAfterMs'),
      default: DEFAULTS.maxRetryAfterMs,
      describe: 'Longest Retry-After obeyed, in ms',
    })
    .option('thumbnail-fallback', {
      type: 'boolean',
      default: DEFAULTS.thumbnailFallback,
      describe: 'Fetch the thumbnail when the full frame is missing',
    })
    .option('rate', { coerce: positiveNumber('--rate', RANGES.ratePerSecond.min), describe: 'At most N requests per second' })
    .option('bandwidth', { coerce: bytes('bytesPerSecond', 'bytes per second'), describe: 'At most this many bytes per second, e.g. 5M' })
    .option('fsync', {
      type: 'boolean',
      default: DEFAULTS.fsync,
      describe: 'Sync every image to stable storage before it gets its name (slower; a power cut then loses nothing)',
    })
    .option('max-consecutive-failures', {
      coerce: whole('maxConsecutiveFailures'),
      default: DEFAULTS.maxConsecutiveFailures,
      describe: 'Stop after N frames in a row failed',
    });
}

export type FetchArgs = Awaited<ReturnType<typeof fetchOptions>['argv']>;

/** The pipeline settings the fetch flags stand for. */
export function fetchSettingsOf(
  args: Awaited<ReturnType<typeof transferOptions>['argv']>,
): Partial<FetchSettings> & { readonly baseUrl: string } {
  const values = args as unknown as Record<string, unknown>;
  const settings = Object.fromEntries(Object.entries(FLAG_OF).map(([name, flag]) => [name, values[camelCase(flag)]]));
  return { ...settings, baseUrl: assertBaseUrl(args.baseUrl) };
}
