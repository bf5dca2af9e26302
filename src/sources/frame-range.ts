import type { Observable } from 'rxjs';
import type { FrameItem } from '../items.ts';
import { dateRange } from './date-range.ts';
import { frameGrid, type FrameGridOptions } from './frame-grid.ts';

export interface FrameRangeOptions extends FrameGridOptions {
  readonly from: string;
  /** Defaults to `from`. */
  readonly to?: string;
}

/** Grid frame references for every date from `from` to `to`. */
export function frameRange({ from, to = from, ...grid }: FrameRangeOptions): Observable<FrameItem> {
  return dateRange(from, to).pipe(frameGrid(grid));
}
