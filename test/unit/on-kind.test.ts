import { existsSync } from 'node:fs';
import { lastValueFrom, of, toArray, type Observable } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  AlreadyExistedItem,
  DownloadedItem,
  FailedItem,
  FetchedItem,
  FrameItem,
  FrameRef,
  NotFoundItem,
  PipelineItem,
  RequestItem,
} from '../../src/items.ts';
import { frameFilePath, frameUrls } from '../../src/frame/layout.ts';
import { buildUrls } from '../../src/operators/build-urls.ts';
import { fetchFrames } from '../../src/operators/fetch-frames.ts';
import { concatOnKind, mergeOnKind, onKind } from '../../src/operators/on-kind.ts';
import { skipExisting } from '../../src/operators/skip-existing.ts';
import { skipKnownMissing } from '../../src/operators/skip-known-missing.ts';
import { writeToDisk } from '../../src/sinks/write-to-disk.ts';
import { CDN, useFakeCdn } from '../support/fake-cdn.ts';
import { useTempDir } from '../support/temp-dir.ts';

const cdn = useFakeCdn();
const tempDir = useTempDir();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const frameItem = (capturedAt: string): FrameItem => ({ kind: 'frame', frame: frame(capturedAt) });
const notFound = (capturedAt: string): NotFoundItem => ({ kind: 'notFound', frame: frame(capturedAt), urls: [], attempts: 1 });
const fast = { retries: 0, retryDelayMs: 5, timeoutMs: 2000 };

describe('the operators keep the kinds that flow between them', () => {
  it('frame -> buildUrls -> fetchFrames -> writeToDisk narrows to outcomes', async () => {
    const root = tempDir();
    cdn.serve(new URL(frameUrls(frame('2025-09-06T10:00:00'), CDN).full).pathname);
    const frames = of(frameItem('2025-09-06T10:00:00'));

    const requests = frames.pipe(buildUrls({ baseUrl: CDN }));
    expectTypeOf(requests).toEqualTypeOf<Observable<RequestItem>>();
    const fetched = requests.pipe(fetchFrames(fast));
    expectTypeOf(fetched).toEqualTypeOf<Observable<FetchedItem | NotFoundItem | FailedItem>>();
    const outcomes = fetched.pipe(writeToDisk({ root }));
    expectTypeOf(outcomes).toEqualTypeOf<Observable<DownloadedItem | AlreadyExistedItem | NotFoundItem | FailedItem>>();
    // the same in one pipe
    expectTypeOf(frames.pipe(buildUrls(), fetchFrames(), writeToDisk({ root }))).toEqualTypeOf<typeof outcomes>();

    const [outcome] = await lastValueFrom(outcomes.pipe(toArray()));
    expect(outcome).toMatchObject({ kind: 'downloaded', filePath: frameFilePath(root, frame('2025-09-06T10:00:00')) });
    expect(existsSync(frameFilePath(root, frame('2025-09-06T10:00:00')))).toBe(true);
  });

  it('passes the kinds an operator does not handle through with their types', () => {
    const mixed = of<(FrameItem | NotFoundItem)[]>(frameItem('2025-09-06T10:00:00'), notFound('2025-09-06T10:10:00'));
    expectTypeOf(mixed.pipe(buildUrls())).toEqualTypeOf<Observable<RequestItem | NotFoundItem>>();
    expectTypeOf(mixed.pipe(skipKnownMissing(new Set()))).toEqualTypeOf<Observable<FrameItem | NotFoundItem>>();
    expectTypeOf(mixed.pipe(skipExisting({ root: tempDir() }))).toEqualTypeOf<
      Observable<FrameItem | NotFoundItem | AlreadyExistedItem | FailedItem>
    >();
    // without a known source, the whole union
    expectTypeOf(buildUrls()).toEqualTypeOf<
      import('rxjs').OperatorFunction<PipelineItem, Exclude<PipelineItem, FrameItem> | RequestItem>
    >();
  });
});

describe('onKind', () => {
  const items: PipelineItem[] = [
    notFound('2025-09-06T10:00:00'),
    frameItem('2025-09-06T10:10:00'),
    notFound('2025-09-06T10:20:00'),
    frameItem('2025-09-06T10:30:00'),
  ];
  const tag = (item: FrameItem | NotFoundItem) => `${item.kind} ${item.frame.capturedAt.slice(11, 16)}`;

  it('maps the items of its kind and passes the others through in their place', async () => {
    const seen: string[] = [];
    const out = await lastValueFrom(
      of(...items).pipe(
        onKind('frame', (item) => {
          seen.push(tag(item));
          return `mapped ${item.frame.capturedAt.slice(11, 16)}`;
        }),
        toArray(),
      ),
    );
    expect(seen).toEqual(['frame 10:10', 'frame 10:30']);
    expect(out).toEqual([items[0], 'mapped 10:10', items[2], 'mapped 10:30']);
  });

  it('takes a few kinds', async () => {
    const out = await lastValueFrom(of(...items).pipe(onKind(['frame', 'notFound'], tag), toArray()));
    expect(out).toEqual(['notFound 10:00', 'frame 10:10', 'notFound 10:20', 'frame 10:30']);
  });

  it('mergeOnKind runs the items of its kind at most `concurrent` at a time and passes the others through', async () => {
    let running = 0;
    let peak = 0;
    const slow = async (item: FrameItem) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return tag(item);
    };
    const many = [...items, ...items, ...items];
    const out = await lastValueFrom(of(...many).pipe(mergeOnKind('frame', slow, 2), toArray()));
    expect(peak).toBe(2);
    expect(out.filter((value) => typeof value === 'string').sort()).toEqual([
      'frame 10:10',
      'frame 10:10',
      'frame 10:10',
      'frame 10:30',
      'frame 10:30',
      'frame 10:30',
    ]);
    expect(out.filter((value) => typeof value !== 'string')).toEqual(many.filter((item) => item.kind === 'notFound'));
  });

  it('concatOnKind keeps every item in order', async () => {
    const later = async (item: FrameItem) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return tag(item);
    };
    const out = await lastValueFrom(of(...items).pipe(concatOnKind('frame', later), toArray()));
    expect(out).toEqual([items[0], 'frame 10:10', items[2], 'frame 10:30']);
  });
});
