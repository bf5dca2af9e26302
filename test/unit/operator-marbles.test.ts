import { concatMap, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { frameUrls } from '../../src/frame/layout.ts';
import type { FailedItem, FrameItem, FrameRef, NotFoundItem, PipelineItem, RequestItem } from '../../src/items.ts';
import { circuitBreaker } from '../../src/operators/circuit-breaker.ts';
import { concurrently } from '../../src/operators/concurrently.ts';
import { skipKnownMissing } from '../../src/operators/skip-known-missing.ts';
import { testScheduler } from '../support/marbles.ts';

const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });

describe('concurrently', () => {
  it('runs at most `concurrency` items through the stage at a time, in virtual time', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // each item takes 4 frames in the stage
      const stages = Object.fromEntries([...'abcde'].map((item) => [item, cold('----(x|)', { x: item })]));
      const stage = (items: Observable<string>) => items.pipe(concatMap((item) => stages[item]));
      expectObservable(cold('(abcde|)').pipe(concurrently({ concurrency: 2 }, stage))).toBe('----(ab)(cd)(e|)');
      expectSubscriptions(stages.a.subscriptions).toBe('^---!');
      expectSubscriptions(stages.b.subscriptions).toBe('^---!');
      expectSubscriptions(stages.c.subscriptions).toBe('----^---!');
      expectSubscriptions(stages.d.subscriptions).toBe('----^---!');
      expectSubscriptions(stages.e.subscriptions).toBe('--------^---!');
    });
  });

  it('once the signal aborts, drops the items that have not started while the started ones finish', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const stop = new AbortController();
      scheduler.schedule(() => stop.abort(), 2);
      const stage = (items: Observable<string>) => items.pipe(concatMap((item) => cold('----(x|)', { x: item })));
      expectObservable(cold('(abcde|)').pipe(concurrently({ concurrency: 2, signal: stop.signal }, stage))).toBe('----(ab|)');
    });
  });
});

describe('circuitBreaker', () => {
  const values: Record<string, PipelineItem> = {
    f: { kind: 'failed', stage: 'fetch', frame: frame('2025-09-06T10:00:00'), url: 'https://cdn.test/f', error: 'HTTP 503', attempts: 3 },
    d: {
      kind: 'downloaded',
      frame: frame('2025-09-06T10:00:00'),
      url: 'https://cdn.test/d',
      variant: 'full',
      bytes: 1,
      sha256: '',
      filePath: 'd',
      attempts: 1,
    },
    n: { kind: 'notFound', frame: frame('2025-09-06T10:00:00'), urls: [], attempts: 1 },
    r: { kind: 'request', frame: frame('2025-09-06T10:00:00'), urls: frameUrls(frame('2025-09-06T10:00:00')) },
  };

  it('calls onOpen once, at the Nth failure in a row, and passes every item through', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const opened: number[] = [];
      const items = 'ffdffnfrfffff|';
      // 3 in a row first at frame 9 (f, r is no outcome, f f): a download (2) and a miss (5) reset the count before
      const breaker = circuitBreaker({ maxConsecutiveFailures: 3, onOpen: () => opened.push(scheduler.now()) });
      expectObservable(cold(items, values).pipe(breaker)).toBe(items, values);
      flush();
      expect(opened).toEqual([9]);
    });
  });

  it('says why it opened', () => {
    testScheduler().run(({ cold, flush }) => {
      const reasons: string[] = [];
      cold('ff|', values)
        .pipe(circuitBreaker({ maxConsecutiveFailures: 2, onOpen: (reason) => reasons.push(reason) }))
        .subscribe();
      flush();
      expect(reasons).toEqual(['stopped after 2 frames in a row failed (last: HTTP 503); is the CDN down?']);
    });
  });

  it('starts counting afresh for each subscription', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, flush }) => {
      const opened: number[] = [];
      const breaker = circuitBreaker({ maxConsecutiveFailures: 2, onOpen: () => opened.push(scheduler.now()) });
      cold('f|', values).pipe(breaker).subscribe();
      cold('--f-f|', values).pipe(breaker).subscribe();
      flush();
      expect(opened).toEqual([4]);
    });
  });

  it('names the setting when the number of failures is not a whole number >= 1', () => {
    expect(() => circuitBreaker({ maxConsecutiveFailures: 0, onOpen: () => {} })).toThrow(
      'invalid maxConsecutiveFailures "0": expected a whole number >= 1',
    );
  });
});

describe('skipKnownMissing', () => {
  it('turns known frames and requests into notFound with no attempt and passes the rest through in order', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const known = frame('2025-09-06T10:00:00');
      const unknown = frame('2025-09-06T10:10:00');
      const missing: NotFoundItem = { kind: 'notFound', frame: known, urls: [], attempts: 0 };
      const failed: FailedItem = {
        kind: 'failed',
        stage: 'fetch',
        frame: known,
        url: 'https://cdn.test/x',
        error: 'HTTP 503',
        attempts: 3,
      };
      const values = {
        a: { kind: 'frame', frame: known } as FrameItem,
        b: { kind: 'frame', frame: unknown } as FrameItem,
        c: { kind: 'request', frame: known, urls: frameUrls(known) } as RequestItem,
        d: { kind: 'request', frame: unknown, urls: frameUrls(unknown) } as RequestItem,
        e: failed,
        m: missing,
      };
      const skip = skipKnownMissing<PipelineItem>(new Set(['apm/in_gate/2025-09-06T10:00:00']));
      expectObservable(cold('a-b-c-d-e|', values).pipe(skip)).toBe('m-b-m-d-e|', values);
    });
  });
});
