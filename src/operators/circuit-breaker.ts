import { defer, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { PipelineItem } from '../items.ts';
import { checkSetting } from '../settings.ts';

export interface CircuitBreakerOptions {
  readonly maxConsecutiveFailures: number;
  /** Called once, with the reason, when that many outcomes in a row have failed. */
  readonly onOpen: (reason: string) => void;
}

/** Watches outcomes pass and calls `onOpen` after a run of failures, so a dead CDN does not burn hours of retries. */
export function circuitBreaker<T extends PipelineItem>({
  maxConsecutiveFailures,
  onOpen,
}: CircuitBreakerOptions): MonoTypeOperatorFunction<T> {
  checkSetting('maxConsecutiveFailures', maxConsecutiveFailures, 'maxConsecutiveFailures');
  return (source) =>
    defer(() => {
      let failuresInARow = 0;
      let open = false;
      return source.pipe(
        tap((item) => {
          if (item.kind === 'failed') failuresInARow += 1;
          else if (item.kind === 'downloaded' || item.kind === 'alreadyExisted' || item.kind === 'notFound') failuresInARow = 0;
          if (failuresInARow >= maxConsecutiveFailures && !open) {
            open = true;
            onOpen(
              `stopped after ${failuresInARow} frames in a row failed (last: ${item.kind === 'failed' ? item.error : ''}); is the CDN down?`,
            );
          }
        }),
      );
    });
}
