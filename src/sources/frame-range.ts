import { from, type Observable } from 'rxjs';
import { DAY_MS, parseDate } from '../frame/time.ts';
import type { FrameItem } from '../items.ts';
import { datesBetween } from './date-range.ts';
import { gridFrameCount, gridFramesOf, type FrameGridOptions } from './frame-grid.ts';

export interface FrameRangeOptions extends FrameGridOptions {
  readonly from: string;
  /** Defaults to `from`. */
  readonly to?: string;
}

/** Grid frame references for every date from `from` to `to`, made one at a time as they are read. */
export function frameRangeOnDemand({ from: first, to = first, ...grid }: FrameRangeOptions): Iterable<FrameItem> {
  return gridFramesOf(datesBetween(first, to), grid);
}

/** Grid frame references for every date from `from` to `to`. */
export function frameRange(options: FrameRangeOptions): Observable<FrameItem> {
  return from(frameRangeOnDemand(options));
}

/** How many frames `frameRange` gives, counted without making them. */
export function frameRangeCount({ from: first, to = first, ...grid }: FrameRangeOptions): number {
  datesBetween(first, to);
  return gridFrameCount((parseDate(to) - parseDate(first)) / DAY_MS + 1, grid);
}
