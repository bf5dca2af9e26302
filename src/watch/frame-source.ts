import { filter, from, type Observable } from 'rxjs';
import { parseTimestamp } from '../frame/time.ts';
import type { FrameItem } from '../items.ts';
import { frameGrid } from '../sources/frame-grid.ts';

/** The frames one cycle may ask for. */
export interface FrameWindow {
  /** `YYYY-MM-DD` (UTC), oldest first. */
  readonly dates: readonly string[];
  /** The cycle's clock time (ms since the epoch): frames captured after it do not exist yet. */
  readonly until: number;
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly intervalMinutes: number;
}

/**
 * Where a cycle's frames come from. The default is the grid (`gridFrames`); a source that discovers
 * the real frame times (the camera history page) plugs in here without touching the schedule.
 */
export type FrameSource = (window: FrameWindow) => Observable<FrameItem>;

/** Grid frames of the window's dates captured up to `until`. */
export const gridFrames: FrameSource = ({ dates, until, streams, terminal, intervalMinutes }) =>
  from(dates).pipe(
    frameGrid({ streams, terminal, intervalMinutes }),
    filter((item) => parseTimestamp(item.frame.capturedAt) <= until),
  );
