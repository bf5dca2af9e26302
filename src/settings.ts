import { InputError } from './errors.ts';

/**
 * The longest delay a Node timer honours: anything longer fires after 1 ms (with only a warning), so
 * every duration and rate that ends up in a timer is bounded by it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The most `maxFrameBytes` allows: a file larger than this is no frame of draydog's. */
export const LARGEST_FRAME_BYTES = 1024 ** 3;

/** The default whole-request deadline, in multiples of the idle timeout. */
export const DEADLINE_PER_TIMEOUT = 4;

const defaults = {
  terminal: 'apm',
  streams: ['in_gate', 'out_gate'] as readonly string[],
  intervalMinutes: 10,
  baseUrl: 'https://cdn.draydog.com',
  pageUrl: 'https://app.draydog.com',
  out: 'data/images',
  dbPath: 'data/draydog.sqlite',
  concurrency: 8,
  retries: 3,
  retryDelayMs: 1000,
  timeoutMs: 30_000,
  minBytesPerSecond: 1024,
  maxFrameBytes: 8 * 1024 ** 2,
  maxRetryAfterMs: 60_000,
  thumbnailFallback: true,
  maxConsecutiveFailures: 50,
  fsync: false,
  everyMs: 10 * 60_000,
  settleMs: 60 * 60_000,
  /** The most days before today a watch cycle looks back to catch up after trouble. */
  maxLookbackDays: 7,
};

/** Every default of the library and the command line, in one place. */
export const DEFAULTS: Readonly<typeof defaults> = Object.freeze(defaults);

/** The fetch settings a download and a watch share: what, from where, into where, how hard. */
export interface FetchSettings {
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly intervalMinutes: number;
  readonly baseUrl: string;
  /** Where the frames go: the root of the image tree, or a bucket as `s3://bucket/prefix`. */
  readonly out: string;
  /** With an `s3://` out: the S3-compatible server's URL (`AWS_ENDPOINT_URL` when not given; AWS without either). */
  readonly s3Endpoint?: string;
  /**
   * With an `s3://` out: path-style addressing (`<endpoint>/<bucket>/<key>`, the default) or, when
   * false, virtual-hosted style (`<bucket>.<endpoint host>/<key>`, as AWS prefers).
   */
  readonly s3PathStyle?: boolean;
  readonly dbPath: string;
  readonly concurrency: number;
  readonly retries: number;
  /** Base backoff; doubles each retry. */
  readonly retryDelayMs: number;
  /** Longest time a request may go without receiving a byte. */
  readonly timeoutMs: number;
  /** Longest time one request may take in all (default `DEADLINE_PER_TIMEOUT` x `timeoutMs`). */
  readonly requestDeadlineMs?: number;
  /** A body slower than this (over each `timeoutMs`) is aborted; 0: no floor. */
  readonly minBytesPerSecond: number;
  /** A body larger than this is refused and not retried. */
  readonly maxFrameBytes: number;
  /** The longest Retry-After obeyed. */
  readonly maxRetryAfterMs: number;
  /** Fetch the thumbnail when the full frame is missing. */
  readonly thumbnailFallback: boolean;
  /** Requests started per second at most. */
  readonly ratePerSecond?: number;
  /** Body bytes per second at most. */
  readonly bytesPerSecond?: number;
  /** Stop after this many frames in a row failed. */
  readonly maxConsecutiveFailures: number;
  /** Sync every image to stable storage before it gets its final name. */
  readonly fsync: boolean;
}

/** The command-line flag of each fetch setting, named beside the setting in messages about it. */
export const FLAG_OF = {
  streams: 'streams',
  terminal: 'terminal',
  intervalMinutes: 'interval',
  baseUrl: 'base-url',
  out: 'out',
  s3Endpoint: 's3-endpoint',
  s3PathStyle: 's3-path-style',
  dbPath: 'db',
  concurrency: 'concurrency',
  retries: 'retries',
  retryDelayMs: 'retry-delay',
  timeoutMs: 'timeout',
  requestDeadlineMs: 'request-deadline',
  minBytesPerSecond: 'min-speed',
  maxFrameBytes: 'max-frame-size',
  maxRetryAfterMs: 'max-retry-after',
  thumbnailFallback: 'thumbnail-fallback',
  ratePerSecond: 'rate',
  bytesPerSecond: 'bandwidth',
  maxConsecutiveFailures: 'max-consecutive-failures',
  fsync: 'fsync',
} as const satisfies Record<keyof FetchSettings, string>;

export type NumberSetting = {
  [K in keyof FetchSettings]-?: NonNullable<FetchSettings[K]> extends number ? K : never;
}[keyof FetchSettings];

export interface SettingRange {
  readonly min: number;
  readonly max?: number;
  /** Whole numbers only. */
  readonly whole?: boolean;
}

/** The range of each number setting: checked by `resolveFetchSettings` for the library, and by the command line's flags. */
export const RANGES: Readonly<Record<NumberSetting, SettingRange>> = {
  intervalMinutes: { min: 1, max: 1440, whole: true },
  concurrency: { min: 1, max: 256, whole: true },
  retries: { min: 0, max: 20, whole: true },
  retryDelayMs: { min: 0, max: MAX_TIMER_MS, whole: true },
  timeoutMs: { min: 1, max: MAX_TIMER_MS, whole: true },
  requestDeadlineMs: { min: 1, max: MAX_TIMER_MS, whole: true },
  minBytesPerSecond: { min: 0 },
  maxFrameBytes: { min: 1024, max: LARGEST_FRAME_BYTES },
  maxRetryAfterMs: { min: 0, max: MAX_TIMER_MS, whole: true },
  // below these a run would wait for hours per frame: surely a typo
  ratePerSecond: { min: 0.001 },
  bytesPerSecond: { min: 1024 },
  maxConsecutiveFailures: { min: 1, whole: true },
};

/** Whether `value` is in `range`. */
export function inRange(value: number, { min, max = Number.MAX_SAFE_INTEGER, whole }: SettingRange): boolean {
  return (!whole || Number.isInteger(value)) && value >= min && value <= max;
}

/** `from 1 to 256`, `>= 1`: a range as error messages and help texts say it. */
function describeRange({ min, max, whole }: SettingRange): string {
  const kind = whole ? 'a whole number' : 'a number';
  return max === undefined ? `${kind} >= ${min}` : `${kind} from ${min} to ${max}`;
}

/** The fetch settings given, with the defaults for the rest; a number out of its range is an InputError naming the setting. */
export function resolveFetchSettings(given: Partial<FetchSettings>): FetchSettings {
  const settings: FetchSettings = { ...DEFAULTS, ...definedOnly(given) };
  for (const name of Object.keys(RANGES) as NumberSetting[]) {
    const value = settings[name];
    if (value !== undefined) checkSetting(name, value);
  }
  return settings;
}

/** `value` when it is in the range of setting `name`; otherwise an InputError naming it (and its flag), or `label`. */
export function checkSetting(name: NumberSetting, value: number, label = `${name} (--${FLAG_OF[name]})`): number {
  if (!inRange(value, RANGES[name])) throw new InputError(`invalid ${label} "${value}": expected ${describeRange(RANGES[name])}`);
  return value;
}

/** `{ concurrency: undefined }` means "not given", as with a missing key: the default applies. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
