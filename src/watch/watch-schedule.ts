import {
  asyncScheduler,
  catchError,
  defer,
  exhaustMap,
  last,
  map,
  NEVER,
  of,
  takeUntil,
  timer,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { DAY_MS, formatDate } from '../frame/time.ts';
import { DEFAULTS } from '../settings.ts';

/** One run of the watch: which UTC dates it looks at, up to which moment. */
export interface WatchTick {
  /** 1, 2, … in the order the cycles start (ticks skipped while a cycle runs get no number). */
  readonly cycle: number;
  /** The clock's time when the cycle started, ms since the epoch; frames captured after it are not asked for. */
  readonly now: number;
  /**
   * `YYYY-MM-DD`, oldest first: today, preceded by yesterday while `now` is within the settle window
   * after midnight, and by every day back to the start of the last successful cycle (see `watchDates`).
   */
  readonly dates: readonly string[];
}

/** What a cycle came to: its value, or the error it failed with (a failed cycle does not end the schedule). */
export type CycleResult<R> =
  | { readonly tick: WatchTick; readonly ok: true; readonly value: R }
  | { readonly tick: WatchTick; readonly ok: false; readonly error: unknown };

export interface WatchScheduleOptions<R = unknown> {
  /** Time between cycle starts, in the scheduler's time. A cycle that runs longer skips the ticks it overlaps. */
  readonly periodMs: number;
  /** How long after midnight (in the clock's time) the previous day is still looked at. */
  readonly settleMs: number;
  /** The time the dates are computed from; defaults to the scheduler's `now()`. */
  readonly clock?: () => number;
  readonly scheduler?: SchedulerLike;
  /** No cycle starts after it emits; the cycle running then finishes and its result is emitted. */
  readonly stop?: Observable<unknown>;
  /** Whether a cycle that did not throw got everything it asked for (default: yes). */
  readonly succeeded?: (value: R) => boolean;
  /** Default `DEFAULTS.maxLookbackDays`. */
  readonly maxLookbackDays?: number;
}

/**
 * The UTC dates a cycle at `now` looks at, oldest first: today; yesterday too while less than
 * `settleMs` has passed since midnight; and every day back to `since` (the start of the last
 * successful cycle), so that frames left behind by a long or failed cycle around midnight are fetched
 * by the next good one, but never more than `maxLookbackDays` before today.
 */
export function watchDates(now: number, settleMs: number, since = now, maxLookbackDays = DEFAULTS.maxLookbackDays): string[] {
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  const earliest = Math.max(Math.min(now - settleMs, since), midnight - maxLookbackDays * DAY_MS);
  const dates: string[] = [];
  for (let day = Math.floor(earliest / DAY_MS) * DAY_MS; day <= midnight; day += DAY_MS) dates.push(formatDate(day));
  return dates;
}

/**
 * Runs `cycle` at once and then every `periodMs`, never two at a time (`exhaustMap`: a tick that comes
 * while a cycle runs is dropped). A cycle's last value (or its error) is emitted as a `CycleResult`;
 * an error never ends the schedule. Completes after `stop` emits and the cycle running then finishes.
 */
export function watchSchedule<R>(
  options: WatchScheduleOptions<R>,
  cycle: (tick: WatchTick) => ObservableInput<R>,
): Observable<CycleResult<R>> {
  const { periodMs, settleMs, scheduler = asyncScheduler, stop = NEVER, succeeded = () => true, maxLookbackDays } = options;
  const clock = options.clock ?? (() => scheduler.now());
  if (!(periodMs > 0)) throw new RangeError(`watch period must be > 0 ms, got ${periodMs}`);
  return defer(() => {
    let started = 0;
    let lastSuccess: number | undefined;
    return timer(0, periodMs, scheduler).pipe(
      takeUntil(stop),
      exhaustMap(() => {
        const now = clock();
        const tick: WatchTick = { cycle: ++started, now, dates: watchDates(now, settleMs, lastSuccess, maxLookbackDays) };
        return defer(() => cycle(tick)).pipe(
          last(),
          map((value): CycleResult<R> => {
            if (succeeded(value)) lastSuccess = now;
            return { tick, ok: true, value };
          }),
          catchError((error: unknown) => of<CycleResult<R>>({ tick, ok: false, error })),
        );
      }),
    );
  });
}
