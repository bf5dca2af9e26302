import { assertName, parseTimestamp } from '../frame/time.ts';
import { InputError } from '../errors.ts';

export type FrameTiming = 'grid' | 'irregular';
export type FaultLevel = 'none' | 'mild' | 'harsh';
/** `full`: 1200x675 frames of about 90-140 KB like the real camera; `small`: a few KB, for fast tests and benchmarks. */
export type FrameSize = 'full' | 'small';
/**
 * How the history page lists a day: `all` at once; 24 at a time as the user scrolls, in a scroll box
 * (`lazy-scroll`) or in the page (`lazy-page`); with an `el-pagination` pager (`paged`); or behind a
 * "Load more" button (`load-more`).
 */
export type HistoryShape = 'all' | 'lazy-scroll' | 'lazy-page' | 'paged' | 'load-more';
export const HISTORY_SHAPES: readonly HistoryShape[] = ['all', 'lazy-scroll', 'lazy-page', 'paged', 'load-more'];

/** A camera that hung: every frame of `stream` captured from `from` (inclusive) to `until` (exclusive), UTC `YYYY-MM-DDTHH:MM:SS`, shows the same picture. */
export interface StuckCamera {
  readonly stream: string;
  readonly from: string;
  readonly until: string;
}

export interface SimulatorOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Decides everything the camera serves: which frames exist, their times, their bytes and faults. */
  readonly seed?: number;
  readonly terminal?: string;
  readonly streams?: readonly string[];
  /** `grid`: frames on each exact 10-minute mark; `irregular`: one at a random time inside each 10-minute slot. */
  readonly timing?: FrameTiming;
  /** Share of 10-minute slots without any frame. */
  readonly missing?: number;
  /** Share of frames that exist only as a thumbnail. */
  readonly thumbnailOnly?: number;
  readonly faults?: FaultLevel;
  /** Delay before every answer. */
  readonly latencyMs?: number;
  readonly frameSize?: FrameSize;
  /** How the history page lists a day. */
  readonly history?: HistoryShape;
  /** `readonly`: the day picker's input takes no typing, the day is chosen in its calendar panel. */
  readonly picker?: 'editable' | 'readonly';
  /** How the day picker shows the day, in Element UI's tokens (e.g. `MMM d, yyyy` for "Sep 5, 2025"). */
  readonly dateFormat?: string;
  /** `separate`: the page's API is served by a second loopback server (another port, so another origin). */
  readonly apiHost?: 'same' | 'separate';
  /** `times`: the day list carries capture times and the page builds the CDN URLs itself. */
  readonly apiShape?: 'urls' | 'times';
  /** How long the page waits, once loaded, before it asks for its first day list. */
  readonly firstAnswerDelayMs?: number;
  /** Pages of the day list after this many answer HTTP 500 (0: never), so the page stops short of its own total. */
  readonly breakAfterPages?: number;
  /** Stretches during which a stream serves the bytes of its first frame again and again. */
  readonly stuck?: readonly StuckCamera[];
}

export type ResolvedSimulatorOptions = Required<SimulatorOptions>;

export const DEFAULT_SIMULATOR_OPTIONS: ResolvedSimulatorOptions = {
  port: 0,
  host: '127.0.0.1',
  seed: 1,
  terminal: 'apm',
  streams: ['in_gate', 'out_gate'],
  timing: 'irregular',
  missing: 0.1,
  thumbnailOnly: 0.03,
  faults: 'none',
  latencyMs: 0,
  frameSize: 'full',
  history: 'all',
  picker: 'editable',
  dateFormat: 'yyyy-MM-dd',
  apiHost: 'same',
  apiShape: 'urls',
  firstAnswerDelayMs: 0,
  breakAfterPages: 0,
  stuck: [],
};

function assertShare(value: number, what: string): void {
  if (!(value >= 0 && value <= 1)) throw new InputError(`invalid ${what} "${value}": expected a share from 0 to 1`);
}

function assertOneOf<T extends string>(value: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(value)) throw new InputError(`invalid ${what} "${value}": expected ${allowed.join(', ')}`);
}

/** The options with defaults filled in; throws InputError on a value a user can fix. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const resolved = { ...DEFAULT_SIMULATOR_OPTIONS, ...withoutUndefined(options) };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new InputError(`invalid port "${resolved.port}": expected 0 to 65535`);
  }
  if (!Number.isSafeInteger(resolved.seed)) throw new InputError(`invalid seed "${resolved.seed}": expected an integer`);
  if (!(resolved.latencyMs >= 0)) throw new InputError(`invalid latency "${resolved.latencyMs}": expected milliseconds >= 0`);
  if (resolved.streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  assertName(resolved.terminal, 'terminal');
  for (const stream of resolved.streams) assertName(stream, 'stream');
  assertShare(resolved.missing, 'missing share');
  assertShare(resolved.thumbnailOnly, 'thumbnail-only share');
  assertOneOf(resolved.timing, ['grid', 'irregular'], 'timing');
  assertOneOf(resolved.faults, ['none', 'mild', 'harsh'], 'fault level');
  assertOneOf(resolved.frameSize, ['full', 'small'], 'frame size');
  assertOneOf(resolved.history, HISTORY_SHAPES, 'history shape');
  assertOneOf(resolved.picker, ['editable', 'readonly'], 'picker');
  assertOneOf(resolved.apiHost, ['same', 'separate'], 'API host');
  assertOneOf(resolved.apiShape, ['urls', 'times'], 'API shape');
  if (!/^[yMdHmsaA ,./-]+$/.test(resolved.dateFormat) || !/yyyy/.test(resolved.dateFormat)) {
    throw new InputError(
      `invalid date format "${resolved.dateFormat}": expected Element UI tokens with yyyy, MM or MMM and d (e.g. "MMM d, yyyy")`,
    );
  }
  if (!(Number.isInteger(resolved.firstAnswerDelayMs) && resolved.firstAnswerDelayMs >= 0)) {
    throw new InputError(`invalid first answer delay "${resolved.firstAnswerDelayMs}": expected milliseconds >= 0`);
  }
  if (!(Number.isInteger(resolved.breakAfterPages) && resolved.breakAfterPages >= 0)) {
    throw new InputError(`invalid break after pages "${resolved.breakAfterPages}": expected a whole number >= 0`);
  }
  resolved.stuck.forEach(assertStuckCamera);
  return resolved;
}

function assertStuckCamera({ stream, from, until }: StuckCamera): void {
  assertName(stream, 'stuck stream');
  if (parseTimestamp(until, 'stuck until') <= parseTimestamp(from, 'stuck from')) {
    throw new InputError(`invalid stuck stretch "${from}" to "${until}": it must end after it starts`);
  }
}

/** A CLI passes unset flags as undefined; they must not override the defaults. */
function withoutUndefined(options: SimulatorOptions): SimulatorOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
