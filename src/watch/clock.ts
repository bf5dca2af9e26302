import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { InputError } from '../errors.ts';

/** The watch's notion of now: the real clock, or a simulated one that starts elsewhere and runs faster. */
export interface WatchClock {
  now(): number;
  /** Clock milliseconds per scheduler millisecond: the period between cycles is `everyMs / speed`. */
  readonly speed: number;
}

/**
 * A clock that reads `start` when it is first read and from then on runs `speed` times faster than
 * `scheduler`'s time (for demos and tests against the simulator).
 */
export function simulatedClock(start: number, speed = 1, scheduler: SchedulerLike = asyncScheduler): WatchClock {
  if (!(speed > 0)) throw new InputError(`invalid clock speed "${speed}": expected a number > 0`);
  let origin: number | undefined;
  return {
    now: () => {
      origin ??= scheduler.now();
      return start + (scheduler.now() - origin) * speed;
    },
    speed,
  };
}
