import { DAY_MS, formatTimestamp, parseDate, parseTimestamp } from '../frame/time.ts';
import { framePath } from './frame-path.ts';
import type { ResolvedSimulatorOptions } from './options.ts';
import { randomFor } from './prng.ts';

const SLOT_SECONDS = 600;
const SLOTS_PER_DAY = DAY_MS / 1000 / SLOT_SECONDS;
// Irregular frames stay a minute away from slot edges, so neighbours are 2 to 18 minutes apart
// (about the 2 min 20 s to 12 min gaps seen on the real camera) and never on the 10-minute grid.
const EDGE_MARGIN_SECONDS = 60;

/** One frame the simulator serves. */
export interface SimFrame {
  readonly terminal: string;
  readonly stream: string;
  /** UTC, `YYYY-MM-DD` */
  readonly date: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` */
  readonly capturedAt: string;
  /** Only the thumbnail exists: the full-size URL answers 404. */
  readonly thumbnailOnly: boolean;
  readonly fullPath: string;
  readonly thumbnailPath: string;
}

export type ScheduleOptions = Pick<ResolvedSimulatorOptions, 'seed' | 'terminal' | 'streams' | 'timing' | 'missing' | 'thumbnailOnly'>;

/** The frame in one 10-minute slot of a day, if any; decided by (seed, terminal, stream, date, slot) alone. */
function frameInSlot(options: ScheduleOptions, stream: string, date: string, slot: number): SimFrame | undefined {
  const random = randomFor(options.seed, 'slot', options.terminal, stream, date, slot);
  if (random() < options.missing) return undefined;
  const offsetSeconds =
    options.timing === 'grid' ? 0 : EDGE_MARGIN_SECONDS + Math.floor(random() * (SLOT_SECONDS - 2 * EDGE_MARGIN_SECONDS));
  const capturedAt = formatTimestamp(parseDate(date) + (slot * SLOT_SECONDS + offsetSeconds) * 1000);
  const { terminal } = options;
  return {
    terminal,
    stream,
    date,
    capturedAt,
    thumbnailOnly: random() < options.thumbnailOnly,
    fullPath: framePath({ terminal, stream, capturedAt, variant: 'full' }),
    thumbnailPath: framePath({ terminal, stream, capturedAt, variant: 'thumbnail' }),
  };
}

/** Every frame of a stream on a UTC date, in time order; empty for a stream the camera does not have. */
export function framesOn(options: ScheduleOptions, date: string, stream: string): SimFrame[] {
  if (!options.streams.includes(stream)) return [];
  return Array.from({ length: SLOTS_PER_DAY }, (_, slot) => frameInSlot(options, stream, date, slot)).filter(
    (frame) => frame !== undefined,
  );
}

/** The frame captured at exactly that time, if the camera has one. */
export function frameAt(options: ScheduleOptions, stream: string, capturedAt: string): SimFrame | undefined {
  if (!options.streams.includes(stream)) return undefined;
  const date = capturedAt.slice(0, 10);
  const secondOfDay = (parseTimestamp(capturedAt) - parseDate(date)) / 1000;
  const frame = frameInSlot(options, stream, date, Math.floor(secondOfDay / SLOT_SECONDS));
  return frame?.capturedAt === capturedAt ? frame : undefined;
}
