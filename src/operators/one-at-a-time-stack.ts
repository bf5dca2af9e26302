import { asapScheduler, subscribeOn, type Observable } from 'rxjs';

/**
 * `inner`, subscribed on the asap scheduler. Return it from a `mergeMap` whose inner observables may
 * complete at once (a frame passed through, a frame dropped after an abort): when such an inner
 * completes, `mergeMap` starts the next queued item from inside that completion, so a queue of
 * thousands nests thousands of calls deep, overflows the stack, and leaves the stream unfinished.
 */
export function oneAtATimeStack<T>(inner: Observable<T>): Observable<T> {
  return inner.pipe(subscribeOn(asapScheduler));
}
