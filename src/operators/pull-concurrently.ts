import { concatMap, defer, finalize, map, merge, mergeMap, of, range, Subject, takeWhile, type OperatorFunction } from 'rxjs';
import { checkSetting } from '../settings.ts';
import { oneAtATimeStack } from './one-at-a-time-stack.ts';

/**
 * `concurrently` for sources that can be pulled: each iterable the source emits is read one item at
 * a time, only when one of the `concurrency` slots is free, so nothing waits in line and a range of
 * centuries takes the memory of a day. Once `signal` aborts, no further item is read (the reading
 * stops at once, however many items are left) while those in the stage finish.
 */
export function pullConcurrently<T, R>(
  { concurrency, signal }: { concurrency: number; signal?: AbortSignal },
  stage: OperatorFunction<T, R>,
): OperatorFunction<Iterable<T>, R> {
  checkSetting('concurrency', concurrency, 'concurrency');
  return concatMap((items) =>
    defer(() => {
      const iterator = items[Symbol.iterator]();
      const slotFreed = new Subject<void>();
      // one token per slot at the start, then one each time an item leaves the stage
      return merge(range(0, concurrency), slotFreed).pipe(
        map(() => (signal?.aborted ? undefined : iterator.next())),
        takeWhile((next): next is IteratorYieldResult<T> => next !== undefined && !next.done),
        mergeMap(({ value }) => oneAtATimeStack(of(value).pipe(stage)).pipe(finalize(() => slotFreed.next()))),
      );
    }),
  );
}
