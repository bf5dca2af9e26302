import { Observable } from 'rxjs';
import { DAY_MS, formatDate, InputError, parseDate } from '../frame-time.ts';

/** `YYYY-MM-DD` UTC dates from `from` to `to`, both inclusive. Bad dates are rejected on call. */
export function dateRange(from: string, to: string): Observable<string> {
  const first = parseDate(from, '--from date');
  const last = parseDate(to, '--to date');
  if (last < first) throw new InputError(`invalid date range: --to ${to} is before --from ${from}`);
  return new Observable<string>((subscriber) => {
    for (let day = first; day <= last && !subscriber.closed; day += DAY_MS) {
      subscriber.next(formatDate(day));
    }
    subscriber.complete();
  });
}
