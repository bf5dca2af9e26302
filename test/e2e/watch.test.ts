import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { pino } from 'pino';
import { throwError } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/frame/time.ts';
import { WatchMetrics } from '../../src/watch/metrics.ts';
import { Image } from '../../src/catalog/image-entity.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { simulatedClock } from '../../src/watch/clock.ts';
import type { CycleReport } from '../../src/watch/cycle.ts';
import { gridFrames, type FrameWindow } from '../../src/watch/frame-source.ts';
import { watch, type WatchOptions } from '../../src/watch/watch.ts';
import { listTree } from '../support/cli.ts';
import { startLaggingCdn, type LaggingCdn } from '../support/lagging-cdn.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { frameFilePath } from '../../src/frame/layout.ts';

const MINUTE = 60_000;
const STREAMS = ['in_gate', 'out_gate'];
const tempDir = useTempDir();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.1, thumbnailOnly: 0.05, seed: 3 });
});
afterAll(() => sim?.close());

/** A clock that stands still during a cycle and moves `stepMs` after each one, whatever the cycles cost in real time. */
function steppedClock(start: string, stepMs = 10 * MINUTE) {
  let now = parseTimestamp(start);
  // speed sets the period: 10 minutes of clock time are 10 ms of real time
  return { clock: { now: () => now, speed: 60_000 }, step: () => (now += stepMs), now: () => now };
}

/** Options every watch of these tests shares: quick retries, the folder `dir`. */
const base = (dir: string, baseUrl: string): WatchOptions => ({
  baseUrl,
  out: join(dir, 'images'),
  dbPath: join(dir, 'catalog.sqlite'),
  retries: 1,
  retryDelayMs: 5,
  everyMs: 10 * MINUTE,
  settleMs: 60 * MINUTE,
});

/** Images on disk, as paths relative to `out`. */
const imagesIn = (out: string) => listTree(out).filter((path) => path.endsWith('.jpg'));

/** Relative paths of the simulator's frames of `dates` captured up to `until`. */
function framesUpTo(dates: string[], until: string, out: string): string[] {
  return dates
    .flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)))
    .filter((frame) => frame.capturedAt <= until)
    .map((frame) => frameFilePath(out, frame).slice(out.length + 1))
    .sort();
}

async function catalogPaths(dbPath: string): Promise<string[]> {
  const orm = await openCatalog({ dbPath });
  try {
    return (await orm.em.fork().find(Image, {})).map((row) => row.filePath).sort();
  } finally {
    await orm.close();
  }
}

/** A pino logger whose lines are kept. */
function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      );
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('watch against the simulator', () => {
  let cdn: LaggingCdn;
  let clock: ReturnType<typeof steppedClock>;
  beforeAll(async () => {
    clock = steppedClock('2025-09-01T22:00:00');
    // the camera uploads each frame 15 minutes after taking it
    cdn = await startLaggingCdn(sim.url, () => clock.now(), 15 * MINUTE);
  });
  afterAll(() => cdn?.close());

  it("keeps a folder current across midnight and picks up yesterday's late frames in the settle window", async () => {
    const dir = tempDir();
    const cycles: CycleReport[] = [];
    const result = await watch({
      ...base(dir, cdn.url),
      clock: clock.clock,
      maxCycles: 25, // 22:00 to 02:00 on the next day
      onCycle: (cycle) => {
        cycles.push(cycle);
        clock.step();
      },
    });
    expect(result).toMatchObject({ cycles: 25, failedCycles: 0 });
    expect(cycles.map((cycle) => [cycle.until.slice(11, 16), cycle.dates.join(' ')])).toEqual(
      ['22:00', '22:10', '22:20', '22:30', '22:40', '22:50', '23:00', '23:10', '23:20', '23:30', '23:40', '23:50']
        .map((time) => [time, '2025-09-01'])
        .concat(['00:00', '00:10', '00:20', '00:30', '00:40', '00:50'].map((time) => [time, '2025-09-01 2025-09-02']))
        .concat(['01:00', '01:10', '01:20', '01:30', '01:40', '01:50', '02:00'].map((time) => [time, '2025-09-02'])),
    );
    // every frame of the first day, and of the second day those uploaded by 02:00 (taken by 01:45)
    const out = join(dir, 'images');
    expect(imagesIn(out)).toEqual(framesUpTo(['2025-09-01', '2025-09-02'], '2025-09-02T01:45:00', out));
    expect(await catalogPaths(join(dir, 'catalog.sqlite'))).toEqual(imagesIn(out)); // relative to the archive's root
    // the frames of 23:40 and 23:50 came after midnight
    const lateOnes = cycles.filter((cycle) => cycle.until >= '2025-09-02T00:00:00' && cycle.dates.includes('2025-09-01'));
    expect(lateOnes.reduce((sum, cycle) => sum + (cycle.report?.perDateStream['2025-09-01/in_gate']?.downloaded ?? 0), 0)).toBe(
      sim.frames('2025-09-01', 'in_gate').filter((frame) => frame.capturedAt >= '2025-09-01T23:40:00').length,
    );
    // a quiet cycle only asks for what is new: no frame is fetched twice
    expect(cycles.reduce((sum, cycle) => sum + (cycle.report?.stats.downloaded ?? 0), 0)).toBe(imagesIn(out).length);
  });

  it('without a settle window only the first cycle after midnight looks at yesterday: later uploads are lost', async () => {
    const dir = tempDir();
    clock = steppedClock('2025-09-01T23:30:00');
    const cycles: CycleReport[] = [];
    await watch({
      ...base(dir, cdn.url),
      settleMs: 0,
      clock: clock.clock,
      maxCycles: 6,
      onCycle: (cycle) => {
        cycles.push(cycle);
        clock.step();
      },
    });
    expect(cycles.map((cycle) => cycle.dates.join(' '))).toEqual([
      '2025-09-01',
      '2025-09-01',
      '2025-09-01',
      '2025-09-01 2025-09-02',
      '2025-09-02',
      '2025-09-02',
    ]);
    const out = join(dir, 'images');
    const lost = framesUpTo(['2025-09-01'], '2025-09-01T23:59:59', out).filter((path) => !imagesIn(out).includes(path));
    // at 00:00 the 23:40 frames were uploaded (15 minutes late), the 23:50 ones not yet
    const uploadedAfterTheFirstCycle = STREAMS.flatMap((stream) => sim.frames('2025-09-01', stream))
      .filter((frame) => frame.capturedAt >= '2025-09-01T23:50:00')
      .map((frame) => frameFilePath(out, frame).slice(out.length + 1))
      .sort();
    expect(uploadedAfterTheFirstCycle.length).toBeGreaterThan(0);
    expect(lost).toEqual(uploadedAfterTheFirstCycle);
  });

  it('a cycle with the CDN down is logged and counted as failed, and the next cycle catches up; the watch goes on', async () => {
    const dir = tempDir();
    clock = steppedClock('2025-09-03T08:00:00');
    const metrics = new WatchMetrics({ everyMs: 10 * MINUTE, clock: clock.clock.now });
    const { logger, lines } = memoryLogger();
    const cycles: CycleReport[] = [];
    const result = await watch({
      ...base(dir, cdn.url),
      clock: clock.clock,
      maxCycles: 4,
      metrics,
      logger,
      onCycle: (cycle) => {
        cycles.push(cycle);
        clock.step();
        cdn.down = cycle.cycle === 1; // down for the second cycle only
      },
    });
    expect(result).toMatchObject({ cycles: 4, failedCycles: 1 });
    expect(cycles.map((cycle) => cycle.ok)).toEqual([true, false, true, true]);
    expect(cycles[1].error).toMatch(/frames failed after all retries/);
    expect(cycles[1].report?.stats.failed).toBeGreaterThan(0);
    const warning = lines.find((line) => line.level === 40 && String(line.msg).startsWith('cycle 2 failed'));
    expect(warning?.msg).toMatch(/trying again in 10 min/);
    const out = join(dir, 'images');
    expect(imagesIn(out)).toEqual(framesUpTo(['2025-09-03'], '2025-09-03T08:15:00', out));
    const text = metrics.render();
    expect(text).toContain('draydog_cycles_total{result="ok"} 3');
    expect(text).toContain('draydog_cycles_total{result="failed"} 1');
    expect(text).toMatch(/draydog_frames_total\{stream="in_gate",outcome="failed"\} [1-9]/);
    expect(text).toMatch(/draydog_retries_total [1-9]/);
    expect(text).toContain(`draydog_last_successful_cycle_timestamp_seconds ${parseTimestamp('2025-09-03T08:30:00') / 1000}`);
    // the newest in_gate frame on disk is at most 25 minutes old (15 of upload lag, a 10-minute grid)
    const lag = Number(/draydog_newest_frame_lag_seconds\{stream="in_gate"\} (\d+)/.exec(text)?.[1]);
    expect(lag).toBeGreaterThanOrEqual(15 * 60);
    expect(lag).toBeLessThanOrEqual(25 * 60 + 10 * 60);
  });
});

describe('watch: the cycle and its options', () => {
  it('takes its frames from the frame source (the extension point for discovery); an error there fails only that cycle', async () => {
    const dir = tempDir();
    const clock = steppedClock('2025-09-05T00:30:00');
    const windows: FrameWindow[] = [];
    const cycles: CycleReport[] = [];
    await watch({
      ...base(dir, sim.url),
      streams: ['out_gate'],
      clock: clock.clock,
      maxCycles: 2,
      frameSource: (window) => {
        windows.push(window);
        return windows.length === 1 ? throwError(() => new Error('history page unreachable')) : gridFrames(window);
      },
      onCycle: (cycle) => {
        cycles.push(cycle);
        clock.step();
      },
    });
    expect(
      windows.map(({ dates, until, streams, terminal, intervalMinutes }) => ({ dates, until, streams, terminal, intervalMinutes })),
    ).toEqual([
      {
        dates: ['2025-09-04', '2025-09-05'],
        until: parseTimestamp('2025-09-05T00:30:00'),
        streams: ['out_gate'],
        terminal: 'apm',
        intervalMinutes: 10,
      },
      {
        dates: ['2025-09-04', '2025-09-05'],
        until: parseTimestamp('2025-09-05T00:40:00'),
        streams: ['out_gate'],
        terminal: 'apm',
        intervalMinutes: 10,
      },
    ]);
    expect(cycles.map(({ ok, error }) => [ok, error])).toEqual([
      [false, 'history page unreachable'],
      [true, undefined],
    ]);
    expect(cycles[0].report).toBeUndefined();
    const out = join(dir, 'images');
    expect(imagesIn(out)).toEqual(
      ['2025-09-04', '2025-09-05']
        .flatMap((date) => sim.frames(date, 'out_gate'))
        .filter((frame) => frame.capturedAt <= '2025-09-05T00:40:00')
        .map((frame) => frameFilePath(out, frame).slice(out.length + 1))
        .sort(),
    );
  });

  it('a drain stops it after the running cycle: frames in flight finish, no cycle starts, the catalog is saved', async () => {
    const slow = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0, seed: 4, latencyMs: 100 });
    try {
      const dir = tempDir();
      const drain = new AbortController();
      const pending = watch({
        ...base(dir, slow.url),
        concurrency: 4,
        clock: simulatedClock(parseTimestamp('2025-09-06T12:00:00')),
        signal: drain.signal,
      });
      while (slow.stats().totalRequests < 4) await new Promise((resolve) => setTimeout(resolve, 5));
      drain.abort();
      const result = await pending;
      expect(result).toMatchObject({ cycles: 1, lastCycle: { ok: true, report: { interrupted: true } } });
      const out = join(dir, 'images');
      expect(imagesIn(out).length).toBe(result.lastCycle?.report?.stats.downloaded);
      expect(imagesIn(out).length).toBeGreaterThanOrEqual(4);
      expect(imagesIn(out).length).toBeLessThan(20);
      expect(await catalogPaths(join(dir, 'catalog.sqlite'))).toEqual(imagesIn(out)); // relative to the archive's root
      // aborted before it starts: no cycle at all
      const early = new AbortController();
      early.abort();
      expect(await watch({ ...base(dir, slow.url), signal: early.signal })).toEqual({ cycles: 0, failedCycles: 0 });
    } finally {
      await slow.close();
    }
  });

  it('refuses bad options before the first cycle', async () => {
    const dir = tempDir();
    const bad: [Partial<WatchOptions>, RegExp][] = [
      [{ everyMs: 0 }, /--every/],
      [{ settleMs: 25 * 60 * MINUTE }, /--settle/],
      [{ streams: ['In Gate'] }, /In Gate/],
      [{ ratePerSecond: 0 }, /--rate/],
      [{ bytesPerSecond: -1 }, /--bandwidth/],
      [{ maxCycles: 0 }, /max cycles/],
    ];
    for (const [options, message] of bad) await expect(watch({ ...base(dir, sim.url), ...options })).rejects.toThrow(message);
  });

  it('simulatedClock starts when first read and runs at its speed', () => {
    let real = 1000;
    const scheduler = { now: () => real, schedule: () => undefined as never };
    const clock = simulatedClock(parseTimestamp('2025-09-01T23:59:00'), 60, scheduler);
    real = 5000;
    expect(new Date(clock.now()).toISOString()).toBe('2025-09-01T23:59:00.000Z');
    real += 1000;
    expect(new Date(clock.now()).toISOString()).toBe('2025-09-02T00:00:00.000Z');
    expect(() => simulatedClock(0, 0)).toThrow(/clock speed/);
  });
});

describe('watch memory', () => {
  it('stays flat over 1,000 cycles', { timeout: 180_000 }, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const dir = tempDir();
    // a clock stopped at noon: after the first cycle every cycle finds the 144 frames due on disk or known missing
    const noon = parseTimestamp('2025-09-07T12:00:00');
    const heap: Record<number, number> = {};
    const started = performance.now();
    const quiet = pino({ level: 'info' }, new Writable({ write: (_chunk, _encoding, done) => done() }));
    const result = await watch({
      ...base(dir, sim.url),
      clock: { now: () => noon, speed: 10 * MINUTE }, // a cycle every millisecond, back to back
      maxCycles: 1000,
      metrics: new WatchMetrics({ everyMs: 10 * MINUTE, clock: () => noon }),
      logger: quiet,
      onCycle: (cycle) => {
        if (cycle.cycle === 10 || cycle.cycle === 1000) {
          gc();
          gc();
          heap[cycle.cycle] = process.memoryUsage().heapUsed;
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    expect(result).toMatchObject({ cycles: 1000, failedCycles: 0 });
    const growth = heap[1000] - heap[10];
    console.log(
      `watch memory: heap after cycle 10 ${(heap[10] / 2 ** 20).toFixed(1)} MB, after cycle 1000 ${(heap[1000] / 2 ** 20).toFixed(1)} MB ` +
        `(${growth >= 0 ? '+' : ''}${(growth / 2 ** 20).toFixed(2)} MB); 1000 cycles in ${seconds.toFixed(1)} s`,
    );
    expect(growth).toBeLessThan(4 * 2 ** 20);
  });
});
