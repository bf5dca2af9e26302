import { mergeMap, type OperatorFunction } from 'rxjs';
import { assertName, DAY_MS, formatTimestamp, parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { frameItem, type FrameItem } from '../items.ts';
import { checkSetting, DEFAULTS } from '../settings.ts';

export interface FrameGridOptions {
  readonly streams?: readonly string[];
  readonly terminal?: string;
  readonly intervalMinutes?: number;
  /** Only the first this many slots of each date (default all). */
  readonly maxPerDate?: number;
}

interface GridSettings {
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly stepMs: number;
  readonly slotsPerDate: number;
}

/** The grid's options checked, with their defaults. */
function gridSettings(options: FrameGridOptions): GridSettings {
  const { streams = DEFAULTS.streams, terminal = DEFAULTS.terminal, intervalMinutes = DEFAULTS.intervalMinutes, maxPerDate } = options;
  checkSetting('intervalMinutes', intervalMinutes, 'interval');
  if (maxPerDate !== undefined && (!Number.isInteger(maxPerDate) || maxPerDate < 0)) {
    throw new InputError(`invalid per-date limit "${maxPerDate}": expected a whole number >= 0`);
  }
  if (streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  for (const stream of streams) assertName(stream, 'stream');
  assertName(terminal, 'terminal');
  const slotsPerDay = Math.ceil(1440 / intervalMinutes);
  // a stream named twice would be fetched and written twice, at once
  return {
    streams: [...new Set(streams)],
    terminal,
    stepMs: intervalMinutes * 60_000,
    slotsPerDate: Math.min(slotsPerDay, maxPerDate ?? slotsPerDay),
  };
}

/** One date's grid frames, slot by slot (every stream of a slot together). */
function* gridFramesOn(date: string, { streams, terminal, stepMs, slotsPerDate }: GridSettings): Generator<FrameItem> {
  const dayStart = parseDate(date);
  // slot by slot, each slot's streams together: the frames in flight land in one folder per stream,
  // which the writer threads then share out without waiting on each other's folder
  for (let slot = 0, time = dayStart; slot < slotsPerDate && time < dayStart + DAY_MS; slot += 1, time += stepMs) {
    const capturedAt = formatTimestamp(time);
    for (const stream of streams) yield frameItem({ terminal, stream, capturedAt, date });
  }
}

/** Dates to frame references on an exact grid (00:00:00, 00:10:00, … for 10 minutes), slot by slot (every stream of a slot together). */
export function frameGrid(options: FrameGridOptions = {}): OperatorFunction<string, FrameItem> {
  const settings = gridSettings(options);
  return mergeMap((date: string) => gridFramesOn(date, settings));
}

/**
 * The grid frames of `dates`, made one at a time as they are read (see `pullConcurrently`): nothing
 * is built ahead, so a range of any length takes the same memory. Options are checked on call.
 */
export function gridFramesOf(dates: Iterable<string>, options: FrameGridOptions = {}): Iterable<FrameItem> {
  const settings = gridSettings(options);
  return {
    *[Symbol.iterator]() {
      for (const date of dates) yield* gridFramesOn(date, settings);
    },
  };
}

/** How many frames `gridFramesOf` makes for `days` dates, without making them. */
export function gridFrameCount(days: number, options: FrameGridOptions = {}): number {
  const { streams, slotsPerDate } = gridSettings(options);
  return days * streams.length * slotsPerDate;
}
