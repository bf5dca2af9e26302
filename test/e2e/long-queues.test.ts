import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { count, delay, lastValueFrom, map, mergeMap, of, range, tap, timer, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  concurrently,
  fetchFrames,
  frameUrls,
  pullConcurrently,
  runDownload,
  writeToDisk,
  type FrameRef,
  type PipelineItem,
} from '../../src/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { startCli, until } from '../support/cli.ts';
import { useTempDir } from '../support/temp-dir.ts';

// Thousands of items wait in a mergeMap's queue when the source emits faster than the slots free up.
// An item that completes at once (dropped after an abort, passed through) must not start the next
// one from inside its own completion: nested thousands deep, that overflowed the stack and left the
// stream unfinished, and a run whose CDN died never ended.

const QUEUED = 20_000;
const frameAt = (index: number): FrameRef => {
  const capturedAt = new Date(Date.UTC(2025, 8, 1) + index * 600_000).toISOString().slice(0, 19);
  return { terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) };
};
const finishes = <T>(stream: Observable<T>) => lastValueFrom(stream.pipe(count()));

describe('long queues', () => {
  const tempDir = useTempDir();

  it('concurrently drops a long queue after an abort and completes', async () => {
    const stop = new AbortController();
    const started = await finishes(
      range(0, QUEUED).pipe(
        concurrently(
          { concurrency: 4, signal: stop.signal },
          mergeMap((index) =>
            timer(20).pipe(
              tap(() => stop.abort()),
              map(() => index),
            ),
          ),
        ),
      ),
    );
    expect(started).toBe(4);
  });

  it('concurrently completes a long queue of items that finish at once behind slow ones', async () => {
    const passed = await finishes(
      range(0, QUEUED).pipe(
        concurrently(
          { concurrency: 8 },
          mergeMap((index) => (index < 8 ? of(index).pipe(delay(20)) : of(index))),
        ),
      ),
    );
    expect(passed).toBe(QUEUED);
  });

  it('fetchFrames and writeToDisk pass a long queue of other items through', async () => {
    const slowNotFound = axios.create({
      adapter: (config) =>
        new Promise((resolve) =>
          setTimeout(() => resolve({ data: Buffer.alloc(0), status: 404, statusText: '', headers: {}, config }), 20),
        ),
    });
    const items = range(0, QUEUED).pipe(
      map(
        (index): PipelineItem =>
          index < 8
            ? { kind: 'request', frame: frameAt(index), urls: frameUrls(frameAt(index)) }
            : { kind: 'notFound', frame: frameAt(index), urls: [], attempts: 0 },
      ),
    );
    const passed = await finishes(
      items.pipe(fetchFrames({ http: slowNotFound, concurrency: 4 }), writeToDisk({ root: tempDir(), concurrency: 4 })),
    );
    expect(passed).toBe(QUEUED);
  });

  it('a run over 20 days whose CDN dies stops, and ends', async () => {
    const sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', seed: 3 });
    const dir = tempDir();
    // dies once it has answered (a CDN unreachable from the start stops a run at once, without retries)
    void until(() => sim.stats().totalRequests >= 50)
      .catch(() => undefined)
      .then(() => sim.close());
    const report = await runDownload({
      from: '2025-09-01',
      to: '2025-09-20',
      baseUrl: sim.url,
      out: join(dir, 'images'),
      dbPath: join(dir, 'catalog.sqlite'),
      concurrency: 32,
      retryDelayMs: 10,
    });
    expect(report.stopReason).toMatch(/frames in a row failed/);
    expect(report.stats.requested).toBeLessThan(5_760);
  }, 20_000);
});

describe('long ranges', () => {
  const tempDir = useTempDir();

  it('pullConcurrently reads a source only as slots free up, and stops reading at once when aborted', async () => {
    const stop = new AbortController();
    let read = 0;
    const endless = {
      *[Symbol.iterator]() {
        for (;;) {
          read += 1;
          yield read;
        }
      },
    };
    const passed = await finishes(
      of(endless)
        .pipe(
          pullConcurrently(
            { concurrency: 4, signal: stop.signal },
            mergeMap((index) => timer(1).pipe(map(() => index))),
          ),
        )
        .pipe(tap((index) => index >= 100 && stop.abort())),
    );
    expect(passed).toBeGreaterThanOrEqual(100);
    expect(read).toBeLessThanOrEqual(passed + 4);
  });

  it('a 200-year range starts in a small heap, and SIGTERM stops it: exit 130, interrupted', async () => {
    const sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', seed: 3 });
    try {
      const run = startCli(
        [
          'download',
          '--from',
          '1900-01-01',
          '--to',
          '2100-12-31',
          '--base-url',
          sim.url,
          '--out',
          'images',
          '--db',
          'catalog.sqlite',
          '--report',
          'report.json',
        ],
        {
          cwd: tempDir(),
          // the whole range as a list needed 3.2 GB before the first request
          env: { NODE_OPTIONS: '--max-old-space-size=128' },
          timeoutMs: 60_000,
        },
      );
      await until(() => sim.stats().totalRequests >= 20 || run.child.exitCode !== null, 40_000);
      run.child.kill('SIGTERM');
      const result = await run.finished;
      expect([result.code, result.signal], result.stderr).toEqual([130, null]);
      expect(result.stderr).toMatch(/Interrupted: \d+ frames/);
      expect(JSON.parse(readFileSync(join(tempDir(), 'report.json'), 'utf8'))).toMatchObject({
        interrupted: true,
        stats: { requested: expect.any(Number) },
      });
    } finally {
      await sim.close();
    }
  }, 90_000);
});
