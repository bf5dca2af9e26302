import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { asyncScheduler, EMPTY, firstValueFrom, lastValueFrom, of, ReplaySubject, Subject, take, toArray, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { FetchedItem, FrameItem, FrameRef, PipelineItem } from '../../src/items.ts';
import { frameFilePath } from '../../src/frame/layout.ts';
import { skipExisting } from '../../src/operators/skip-existing.ts';
import { writeReport } from '../../src/sinks/write-report.ts';
import { writeToDisk } from '../../src/sinks/write-to-disk.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

// One operator, subscribed more than once: each subscription starts from the world as it is then.

const tempDir = useTempDir();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const fetched = (capturedAt: string): FetchedItem => ({
  kind: 'fetched',
  frame: frame(capturedAt),
  url: `https://cdn.test/${capturedAt}`,
  variant: 'full',
  body: fakeJpeg(capturedAt),
  attempts: 1,
});

describe('writeToDisk', () => {
  it('used for two subscriptions, writes the files of the second after its root was deleted', async () => {
    const root = join(tempDir(), 'archive');
    const write = writeToDisk<PipelineItem>({ root });
    const run = (capturedAt: string) => lastValueFrom(of(fetched(capturedAt)).pipe(write, toArray()));
    expect(await run('2025-09-01T10:00:00')).toMatchObject([{ kind: 'downloaded' }]);
    rmSync(root, { recursive: true });
    expect(await run('2025-09-01T10:10:00')).toMatchObject([
      { kind: 'downloaded', filePath: frameFilePath(root, frame('2025-09-01T10:10:00')) },
    ]);
    expect(existsSync(frameFilePath(root, frame('2025-09-01T10:10:00')))).toBe(true);
  });

  it('makes a folder again that was deleted between two frames of one subscription', async () => {
    const root = join(tempDir(), 'archive');
    const frames = new Subject<PipelineItem>();
    const outcomes = new ReplaySubject<PipelineItem>();
    frames.pipe(writeToDisk({ root })).subscribe(outcomes);
    frames.next(fetched('2025-09-01T10:00:00'));
    expect(await firstValueFrom(outcomes)).toMatchObject({ kind: 'downloaded' });
    rmSync(join(root, '2025-09-01'), { recursive: true });
    frames.next(fetched('2025-09-01T10:10:00'));
    frames.complete();
    expect(await lastValueFrom(outcomes.pipe(take(2), toArray()))).toMatchObject([{ kind: 'downloaded' }, { kind: 'downloaded' }]);
    expect(existsSync(frameFilePath(root, frame('2025-09-01T10:10:00')))).toBe(true);
  });
});

describe('skipExisting', () => {
  it('used for two subscriptions, passes on a frame whose file was deleted in between', async () => {
    const root = tempDir();
    const path = frameFilePath(root, frame('2025-09-01T10:00:00'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fakeJpeg('10:00'));
    const skip = skipExisting<FrameItem>({ root }); // its listings are kept for listingTtlMs, across subscriptions
    const run = () => lastValueFrom(of<FrameItem[]>({ kind: 'frame', frame: frame('2025-09-01T10:00:00') }).pipe(skip, toArray()));
    expect(await run()).toMatchObject([{ kind: 'alreadyExisted', filePath: path }]);
    rmSync(path);
    expect(await run()).toMatchObject([{ kind: 'frame' }]);
  });
});

describe('writeReport', () => {
  it('used for two subscriptions, dates an empty run from when it was subscribed', async () => {
    let clock = Date.parse('2025-09-01T10:00:00Z');
    const scheduler: SchedulerLike = { now: () => clock, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    const report = writeReport(undefined, { scheduler });
    clock = Date.parse('2025-09-01T11:00:00Z');
    const first = await lastValueFrom(EMPTY.pipe(report));
    clock = Date.parse('2025-09-01T12:00:00Z');
    const second = await lastValueFrom(EMPTY.pipe(report));
    expect([first.stats.startedAt, second.stats.startedAt]).toEqual(['2025-09-01T11:00:00.000Z', '2025-09-01T12:00:00.000Z']);
  });
});
