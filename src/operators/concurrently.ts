import { EMPTY, mergeMap, of, type OperatorFunction } from 'rxjs';
import { checkSetting } from '../settings.ts';
import { oneAtATimeStack } from './one-at-a-time-stack.ts';

/**
 * Runs `stage` for at most `concurrency` items at a time, each item alone through the whole stage.
 * Fusing fetch and write this way keeps at most `concurrency` bodies in memory, however fast the
 * network is compared with the disk. Once `signal` aborts, items that have not started are dropped
 * while those in the stage finish.
 */
export function concurrently<T, R>(
  { concurrency, signal }: { concurrency: number; signal?: AbortSignal },
  stage: OperatorFunction<T, R>,
): OperatorFunction<T, R> {
  checkSetting('concurrency', concurrency, 'concurrency');
  return mergeMap((item: T) => oneAtATimeStack(signal?.aborted ? EMPTY : of(item).pipe(stage)), concurrency);
}
