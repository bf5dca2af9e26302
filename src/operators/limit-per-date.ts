import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import { InputError } from '../errors.ts';
import type { PipelineItem } from '../items.ts';

/** At most `limit` frames per date and stream pass; the rest are dropped (the seed's `max_images_per_date`). */
export function limitPerDate<T extends PipelineItem>(limit: number): MonoTypeOperatorFunction<T> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new InputError(`invalid per-date limit "${limit}": expected a whole number >= 0`);
  }
  return (source) =>
    defer(() => {
      const seen = new Map<string, number>();
      return source.pipe(
        filter(({ frame }) => {
          const key = `${frame.terminal}/${frame.stream}/${frame.date}`;
          const count = seen.get(key) ?? 0;
          seen.set(key, count + 1);
          return count < limit;
        }),
      );
    });
}
