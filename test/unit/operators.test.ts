import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildUrls, frameFilePath, frameUrls, limitPerDate, skipExisting, type FrameItem, type FrameRef } from '../../src/index.ts';
import { testScheduler } from '../support/marbles.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const frame = (capturedAt: string, stream = 'in_gate'): FrameRef => ({
  terminal: 'apm',
  stream,
  capturedAt,
  date: capturedAt.slice(0, 10),
});
const item = (capturedAt: string, stream = 'in_gate'): FrameItem => ({ kind: 'frame', frame: frame(capturedAt, stream) });

describe('limitPerDate', () => {
  it('lets at most n frames per date and stream through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        a: item('2025-09-01T00:00:00'),
        b: item('2025-09-01T00:10:00'),
        c: item('2025-09-01T00:20:00'),
        d: item('2025-09-01T00:00:00', 'out_gate'),
        e: item('2025-09-02T00:00:00'),
      };
      expectObservable(cold('abcde|', values).pipe(limitPerDate(2))).toBe('ab-de|', values);
    });
  });

  it('counts afresh for each subscription', async () => {
    const limited = of(item('2025-09-01T00:00:00'), item('2025-09-01T00:10:00')).pipe(limitPerDate(1));
    expect(await lastValueFrom(limited.pipe(toArray()))).toHaveLength(1);
    expect(await lastValueFrom(limited.pipe(toArray()))).toHaveLength(1);
  });

  it('rejects a negative limit', () => {
    expect(() => limitPerDate(-1)).toThrow('invalid per-date limit "-1"');
  });
});

describe('buildUrls', () => {
  it('builds full-size and thumbnail URLs with an unpadded hour folder and colons kept', () => {
    expect(frameUrls(frame('2025-09-06T00:20:27'))).toEqual({
      full: 'https://cdn.draydog.com/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg',
      thumbnail: 'https://cdn.draydog.com/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate-thumbnail.jpeg',
    });
    expect(frameUrls(frame('2025-09-06T23:59:59', 'out_gate'), 'http://127.0.0.1:8080/').full).toBe(
      'http://127.0.0.1:8080/apm/2025-09-06/23/2025-09-06T23:59:59-out_gate.jpeg',
    );
  });

  it('turns frames into requests and passes other items through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const outcome = { kind: 'notFound' as const, frame: frame('2025-09-06T09:00:00'), urls: [], attempts: 1 };
      const request = { kind: 'request', frame: frame('2025-09-06T10:00:00'), urls: frameUrls(frame('2025-09-06T10:00:00'), 'http://x') };
      expectObservable(cold('ab|', { a: item('2025-09-06T10:00:00'), b: outcome }).pipe(buildUrls({ baseUrl: 'http://x' }))).toBe('ab|', {
        a: request,
        b: outcome,
      });
    });
  });

  it.each(['ftp://cdn', 'cdn.draydog.com', ''])('rejects base URL %j', (baseUrl) => {
    expect(() => buildUrls({ baseUrl })).toThrow(`invalid base URL "${baseUrl}"`);
  });
});

describe('skipExisting', () => {
  const tempDir = useTempDir();

  it('marks frames whose final file exists as alreadyExisted and passes the rest', async () => {
    const root = tempDir();
    const present = frame('2025-09-06T10:00:00');
    const path = frameFilePath(root, present);
    expect(path).toBe(join(root, '2025-09-06', 'in_gate', '20250906100000_in_gate.jpg'));
    mkdirSync(join(root, '2025-09-06', 'in_gate'), { recursive: true });
    writeFileSync(path, fakeJpeg('on disk'));
    const out = await lastValueFrom(of(item('2025-09-06T10:00:00'), item('2025-09-06T10:10:00')).pipe(skipExisting({ root }), toArray()));
    expect(out).toEqual([{ kind: 'alreadyExisted', frame: present, filePath: path }, item('2025-09-06T10:10:00')]);
  });

  it('moves aside a file the catalog does not hold and that is not a whole JPEG, so the frame is fetched again; a cataloged one is taken as it is', async () => {
    const root = tempDir();
    mkdirSync(join(root, '2025-09-06', 'in_gate'), { recursive: true });
    const truncated = frameFilePath(root, frame('2025-09-06T10:00:00'));
    const empty = frameFilePath(root, frame('2025-09-06T10:10:00'));
    const cataloged = frameFilePath(root, frame('2025-09-06T10:20:00'));
    writeFileSync(truncated, fakeJpeg('cut by a power failure').subarray(0, 1000));
    writeFileSync(empty, '');
    writeFileSync(cataloged, 'checked by verify, not here');
    writeFileSync(`${empty}.corrupt`, 'an earlier one');
    const movedAside: string[] = [];
    const out = await lastValueFrom(
      of(item('2025-09-06T10:00:00'), item('2025-09-06T10:10:00'), item('2025-09-06T10:20:00')).pipe(
        skipExisting({
          root,
          catalogedOn: async () => new Set(['apm/in_gate/2025-09-06T10:20:00']),
          onMovedAside: (_path, aside) => movedAside.push(aside),
        }),
        toArray(),
      ),
    );
    expect(out.map(({ kind }) => kind)).toEqual(['frame', 'frame', 'alreadyExisted']);
    expect(movedAside).toEqual([`${truncated}.corrupt`, `${empty}.corrupt-2`]);
    expect([existsSync(truncated), existsSync(empty), readFileSync(`${empty}.corrupt`, 'utf8')]).toEqual([false, false, 'an earlier one']);
  });

  it('follows no link: a link at the frame name, broken or not, or a linked date or stream folder fails the frame at `place`; a folder at the name is no file', async () => {
    const root = join(tempDir(), 'archive');
    const outside = join(tempDir(), 'outside');
    const folder = join(root, '2025-09-06', 'in_gate');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(outside, '..', 'kept.jpg'), fakeJpeg('kept'));
    symlinkSync(join(outside, '..', 'kept.jpg'), frameFilePath(root, frame('2025-09-06T10:00:00')));
    symlinkSync(join(root, 'gone.jpg'), frameFilePath(root, frame('2025-09-06T10:10:00')));
    mkdirSync(frameFilePath(root, frame('2025-09-06T10:20:00')));
    mkdirSync(join(outside, 'elsewhere', 'in_gate'), { recursive: true });
    writeFileSync(join(outside, 'elsewhere', 'in_gate', '20250907100000_in_gate.jpg'), fakeJpeg('outside'));
    symlinkSync(join(outside, 'elsewhere'), join(root, '2025-09-07'));
    const out = await lastValueFrom(
      of(item('2025-09-06T10:00:00'), item('2025-09-06T10:10:00'), item('2025-09-06T10:20:00'), item('2025-09-07T10:00:00')).pipe(
        skipExisting({ root }),
        toArray(),
      ),
    );
    expect(out.map((result) => (result.kind === 'failed' ? [result.kind, result.stage, result.error] : [result.kind]))).toEqual([
      [
        'failed',
        'place',
        `${frameFilePath(root, frame('2025-09-06T10:00:00'))} is a symbolic link: draydog does not follow links out of the archive, left alone`,
      ],
      [
        'failed',
        'place',
        `${frameFilePath(root, frame('2025-09-06T10:10:00'))} is a symbolic link: draydog does not follow links out of the archive, left alone`,
      ],
      ['frame'],
      ['failed', 'place', `${join(root, '2025-09-07')} is a symbolic link: draydog does not follow links out of the archive, left alone`],
    ]);
  });

  it('lists a folder once and reads it again when the listing is older than listingTtlMs', async () => {
    const root = tempDir();
    const folder = join(root, '2025-09-06', 'in_gate');
    mkdirSync(folder, { recursive: true });
    const later = frame('2025-09-06T10:10:00');
    const skipFor = (listingTtlMs: number) => skipExisting<FrameItem>({ root, listingTtlMs });
    const run = (skip: ReturnType<typeof skipFor>) => lastValueFrom(of(item('2025-09-06T10:10:00')).pipe(skip, toArray()));
    const trusting = skipFor(60_000);
    const rereading = skipFor(0);
    await Promise.all([run(trusting), run(rereading)]);
    writeFileSync(frameFilePath(root, later), fakeJpeg('late')); // appears after both listings
    expect((await run(trusting))[0].kind).toBe('frame');
    expect((await run(rereading))[0].kind).toBe('alreadyExisted');
  });

  it('removes temporary files left by dead runs, and nothing else', async () => {
    const root = tempDir();
    const folder = join(root, '2025-09-06', 'in_gate');
    mkdirSync(folder, { recursive: true });
    const deadRun = join(folder, '20250906100000_in_gate.jpg.999999999-1.draydog-part');
    const liveRun = join(folder, `20250906100000_in_gate.jpg.${process.ppid}-1.draydog-part`);
    const someoneElses = join(folder, 'notes.part');
    for (const path of [deadRun, liveRun, someoneElses]) writeFileSync(path, 'partial');
    await lastValueFrom(of(item('2025-09-06T10:00:00')).pipe(skipExisting({ root }), toArray()));
    expect([existsSync(deadRun), existsSync(liveRun), existsSync(someoneElses)]).toEqual([false, true, true]);
  });
});
