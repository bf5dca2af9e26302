import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/frame/time.ts';
import { watchDates, watchSchedule, type CycleResult, type WatchTick } from '../../src/watch/watch-schedule.ts';
import { testScheduler } from '../support/marbles.ts';

// One marble frame is one minute of the watch's clock.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The tick of cycle `cycle` started at `at` (UTC) looking at `dates`. */
const tick = (cycle: number, at: string, ...dates: string[]): WatchTick => ({ cycle, now: parseTimestamp(at), dates });
const ok = (t: WatchTick, value = 'x'): CycleResult<string> => ({ tick: t, ok: true, value });

/** The watch's clock: `start` (UTC) plus one minute per marble frame of `scheduler`. */
const marbleClock = (scheduler: { now(): number }, start: string) => () => parseTimestamp(start) + scheduler.now() * MINUTE;

describe('watchDates', () => {
  it('is today alone outside the settle window, yesterday and today inside it', () => {
    expect(watchDates(parseTimestamp('2025-09-02T00:00:00'), HOUR)).toEqual(['2025-09-01', '2025-09-02']);
    expect(watchDates(parseTimestamp('2025-09-02T00:59:59'), HOUR)).toEqual(['2025-09-01', '2025-09-02']);
    expect(watchDates(parseTimestamp('2025-09-02T01:00:00'), HOUR)).toEqual(['2025-09-02']);
    expect(watchDates(parseTimestamp('2025-09-02T23:59:59'), HOUR)).toEqual(['2025-09-02']);
    expect(watchDates(parseTimestamp('2025-09-02T00:00:00'), 0)).toEqual(['2025-09-02']);
  });

  it('reaches back to the start of the last successful cycle, at most 7 days before today', () => {
    const now = parseTimestamp('2025-09-10T05:00:00');
    expect(watchDates(now, HOUR, parseTimestamp('2025-09-08T23:50:00'))).toEqual(['2025-09-08', '2025-09-09', '2025-09-10']);
    expect(watchDates(now, HOUR, parseTimestamp('2025-08-01T00:00:00'))).toHaveLength(8);
    expect(watchDates(now, HOUR, parseTimestamp('2025-08-01T00:00:00'), 1)).toEqual(['2025-09-09', '2025-09-10']);
  });

  it('crosses month and year ends', () => {
    expect(watchDates(parseTimestamp('2026-01-01T00:10:00'), HOUR)).toEqual(['2025-12-31', '2026-01-01']);
    expect(watchDates(parseTimestamp('2024-03-01T00:10:00'), HOUR)).toEqual(['2024-02-29', '2024-03-01']);
  });
});

describe('watchSchedule (marbles: one frame is one minute)', () => {
  it('runs a cycle at once and every 10 minutes, with yesterday until the settle hour after midnight has passed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const clock = marbleClock(scheduler, '2025-09-01T23:30:00');
      const stop = hot('95ms x');
      const results = watchSchedule({ periodMs: 10, settleMs: HOUR, clock, stop }, () => cold('--(x|)'));
      // cycles start at 23:30, 23:40, … 01:00 and each takes 2 minutes; the stop at 01:05 ends the schedule
      expectObservable(results).toBe('2ms a 9ms b 9ms c 9ms d 9ms e 9ms f 9ms g 9ms h 9ms i 9ms j 2ms |', {
        a: ok(tick(1, '2025-09-01T23:30:00', '2025-09-01')),
        b: ok(tick(2, '2025-09-01T23:40:00', '2025-09-01')),
        c: ok(tick(3, '2025-09-01T23:50:00', '2025-09-01')),
        d: ok(tick(4, '2025-09-02T00:00:00', '2025-09-01', '2025-09-02')),
        e: ok(tick(5, '2025-09-02T00:10:00', '2025-09-01', '2025-09-02')),
        f: ok(tick(6, '2025-09-02T00:20:00', '2025-09-01', '2025-09-02')),
        g: ok(tick(7, '2025-09-02T00:30:00', '2025-09-01', '2025-09-02')),
        h: ok(tick(8, '2025-09-02T00:40:00', '2025-09-01', '2025-09-02')),
        i: ok(tick(9, '2025-09-02T00:50:00', '2025-09-01', '2025-09-02')),
        j: ok(tick(10, '2025-09-02T01:00:00', '2025-09-02')),
      });
    });
  });

  it('never runs two cycles at once: ticks that come while a cycle runs are dropped', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const slow = cold('15ms (x|)');
      const results = watchSchedule(
        { periodMs: 10, settleMs: HOUR, clock: marbleClock(scheduler, '2025-09-01T12:00:00'), stop: hot('50ms x') },
        () => slow,
      );
      expectObservable(results).toBe('15ms a 19ms b 19ms (c|)', {
        a: ok(tick(1, '2025-09-01T12:00:00', '2025-09-01')),
        b: ok(tick(2, '2025-09-01T12:20:00', '2025-09-01')),
        c: ok(tick(3, '2025-09-01T12:40:00', '2025-09-01')),
      });
      expectSubscriptions(slow.subscriptions).toBe(['^ 14ms !', '20ms ^ 14ms !', '40ms ^ 14ms !']);
    });
  });

  it('a failed cycle is emitted as such and the next cycle runs as usual', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const cdnDown = new Error('CDN down');
      const cycle = ({ cycle }: WatchTick) => (cycle === 2 ? cold('--#', undefined, cdnDown) : cold('--(x|)'));
      const results = watchSchedule(
        { periodMs: 10, settleMs: HOUR, clock: marbleClock(scheduler, '2025-09-01T12:00:00'), stop: hot('25ms x') },
        cycle,
      );
      expectObservable(results).toBe('2ms a 9ms b 9ms c 2ms |', {
        a: ok(tick(1, '2025-09-01T12:00:00', '2025-09-01')),
        b: { tick: tick(2, '2025-09-01T12:10:00', '2025-09-01'), ok: false, error: cdnDown },
        c: ok(tick(3, '2025-09-01T12:20:00', '2025-09-01')),
      });
    });
  });

  it('a stop while a cycle runs lets that cycle finish, and a cycle that emits nothing fails', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const cycle = ({ cycle }: WatchTick) => (cycle === 1 ? cold('---|') : cold('8ms (y|)'));
      const results = watchSchedule(
        { periodMs: 10, settleMs: HOUR, clock: marbleClock(scheduler, '2025-09-01T12:00:00'), stop: hot('13ms x') },
        cycle,
      );
      expectObservable(results).toBe('3ms a 14ms (b|)', {
        a: { tick: tick(1, '2025-09-01T12:00:00', '2025-09-01'), ok: false, error: expect.objectContaining({ name: 'EmptyError' }) },
        b: ok(tick(2, '2025-09-01T12:10:00', '2025-09-01'), 'y'),
      });
    });
  });

  it('a long cycle across midnight: the next one still looks at yesterday, since the last good cycle began then', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const cycle = ({ cycle }: WatchTick) => (cycle === 2 ? cold('80ms (x|)') : cold('-(x|)'));
      const results = watchSchedule(
        { periodMs: 10, settleMs: HOUR, clock: marbleClock(scheduler, '2025-09-01T23:40:00'), stop: hot('105ms x') },
        cycle,
      );
      const summary = results.pipe(map(({ tick }) => `${new Date(tick.now).toISOString().slice(11, 16)} ${tick.dates.join(' ')}`));
      // 23:40 takes a minute; 23:50 takes 80 (until 01:10); the ticks between are dropped
      expectObservable(summary).toBe('1ms a 88ms b c 9ms d 3ms |', {
        a: '23:40 2025-09-01',
        b: '23:50 2025-09-01',
        c: '01:10 2025-09-01 2025-09-02',
        d: '01:20 2025-09-02',
      });
    });
  });

  it('after cycles that did not succeed (CDN down over midnight) the first good one catches up on yesterday', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      // down from 00:00 to 01:10: cycles 2 to 9 come back with failed frames
      const cycle = ({ cycle }: WatchTick) => cold('-(v|)', { v: { good: cycle === 1 || cycle >= 10 } });
      const results = watchSchedule(
        {
          periodMs: 10,
          settleMs: HOUR,
          clock: marbleClock(scheduler, '2025-09-01T23:50:00'),
          stop: hot('105ms x'),
          succeeded: (value) => value.good,
        },
        cycle,
      );
      const dates = results.pipe(map(({ tick }) => tick.dates.join(' ')));
      const both = '2025-09-01 2025-09-02';
      expectObservable(dates).toBe('1ms a 9ms b 9ms c 9ms d 9ms e 9ms f 9ms g 9ms h 9ms i 9ms j 9ms k 3ms |', {
        a: '2025-09-01',
        ...{ b: both, c: both, d: both, e: both, f: both, g: both },
        h: both, // 01:00, past the settle hour, but nothing succeeded since 23:50
        i: both,
        j: both, // 01:20: the first good cycle
        k: '2025-09-02',
      });
    });
  });

  it('the clock defaults to the scheduler time, and a period must be positive', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const results = watchSchedule({ periodMs: 10, settleMs: HOUR, scheduler, stop: hot('5ms x') }, () => cold('(x|)'));
      expectObservable(results).toBe('a 4ms |', { a: ok({ cycle: 1, now: 0, dates: ['1969-12-31', '1970-01-01'] }) });
    });
    expect(() => watchSchedule({ periodMs: 0, settleMs: HOUR }, () => [1])).toThrow(/period/);
  });
});
