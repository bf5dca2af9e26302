import { mergeMap, type OperatorFunction } from 'rxjs';
import { assertName, DAY_MS, formatTimestamp, InputError, parseDate } from '../frame-time.ts';
import { frameItem, type FrameItem } from '../items.ts';

export const DEFAULT_STREAMS: readonly string[] = ['in_gate', 'out_gate'];
export const DEFAULT_TERMINAL = 'apm';

export interface FrameGridOptions {
  readonly streams?: readonly string[];
  readonly terminal?: string;
  readonly intervalMinutes?: number;
}

/** Dates to frame references on an exact grid (00:00:00, 00:10:00, … for 10 minutes), slot by slot (every stream of a slot together). */
export function frameGrid(options: FrameGridOptions = {}): OperatorFunction<string, FrameItem> {
  const { streams = DEFAULT_STREAMS, terminal = DEFAULT_TERMINAL, intervalMinutes = 10 } = options;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 1440) {
    throw new InputError(`invalid interval "${intervalMinutes}": expected whole minutes from 1 to 1440`);
  }
  if (streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  streams.forEach((stream) => assertName(stream, 'stream'));
  assertName(terminal, 'terminal');
  const stepMs = intervalMinutes * 60_000;
  return mergeMap(function* (date: string) {
    const dayStart = parseDate(date);
    // slot by slot, each slot's streams together: the frames in flight land in one folder per stream,
    // which the writer threads then share out without waiting on each other's folder
    for (let time = dayStart; time < dayStart + DAY_MS; time += stepMs) {
      const capturedAt = formatTimestamp(time);
      for (const stream of streams) yield frameItem({ terminal, stream, capturedAt, date });
    }
  });
}
