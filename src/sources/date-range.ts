import { from, type Observable } from 'rxjs';
import { DAY_MS, formatDate, parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';

/**
 * `YYYY-MM-DD` UTC dates from `first` to `last`, both inclusive, made one at a time as they are
 * read: a range of centuries holds no list. Bad dates are rejected on call.
 */
export function datesBetween(first: string, last: string): Iterable<string> {
  const firstDay = parseDate(first, '--from date');
  const lastDay = parseDate(last, '--to date');
  if (lastDay < firstDay) throw new InputError(`invalid date range: --to ${last} is before --from ${first}`);
  return {
    *[Symbol.iterator]() {
      for (let day = firstDay; day <= lastDay; day += DAY_MS) yield formatDate(day);
    },
  };
}

/** `YYYY-MM-DD` UTC dates from `first` to `last`, both inclusive. Bad dates are rejected on call. */
export function dateRange(first: string, last: string): Observable<string> {
  return from(datesBetween(first, last));
}
