import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { dateRange, frameGrid, frameRange, framesFromFile, InputError, parseFrameUrl } from '../../src/index.ts';
import { useTempDir } from '../support/temp-dir.ts';

const all = <T>(source: import('rxjs').Observable<T>) => lastValueFrom(source.pipe(toArray()));

describe('dateRange', () => {
  it('yields every UTC date, both ends included, across month and leap days', async () => {
    expect(await all(dateRange('2024-02-27', '2024-03-01'))).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(await all(dateRange('2025-09-06', '2025-09-06'))).toEqual(['2025-09-06']);
  });

  it.each([
    ['2025-13-01', 'invalid --from date "2025-13-01": no such day'],
    ['2025-02-30', 'invalid --from date "2025-02-30": no such day'],
    ['2025-9-1', 'invalid --from date "2025-9-1": expected YYYY-MM-DD'],
    ['0025-09-01', 'invalid --from date "0025-09-01": years before 1000 are not supported'],
    ['0999-12-31', 'invalid --from date "0999-12-31": years before 1000 are not supported'],
  ])('rejects %s naming it', (from, message) => {
    expect(() => dateRange(from, '2025-12-31')).toThrow(new InputError(message));
  });

  it('rejects a range that ends before it starts', () => {
    expect(() => dateRange('2025-09-07', '2025-09-01')).toThrow('--to 2025-09-01 is before --from 2025-09-07');
  });
});

describe('frameGrid', () => {
  it('puts 144 frames a day per stream on the 10-minute grid', async () => {
    const frames = await all(of('2025-09-06').pipe(frameGrid({ streams: ['in_gate', 'out_gate'] })));
    expect(frames).toHaveLength(288);
    expect(frames[0]).toEqual({
      kind: 'frame',
      frame: { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-06T00:00:00', date: '2025-09-06' },
    });
    // slot by slot, the streams of a slot together
    expect(frames.slice(1, 3).map(({ frame }) => [frame.stream, frame.capturedAt])).toEqual([
      ['out_gate', '2025-09-06T00:00:00'],
      ['in_gate', '2025-09-06T00:10:00'],
    ]);
    expect(frames[287].frame).toMatchObject({ stream: 'out_gate', capturedAt: '2025-09-06T23:50:00' });
    for (const stream of ['in_gate', 'out_gate'])
      expect(new Set(frames.filter(({ frame }) => frame.stream === stream).map(({ frame }) => frame.capturedAt)).size).toBe(144);
  });

  it('makes each frame once when a stream is named twice', async () => {
    const frames = await all(of('2025-09-06').pipe(frameGrid({ streams: ['in_gate', 'in_gate'], intervalMinutes: 60 })));
    expect(frames.map(({ frame }) => frame.capturedAt)).toEqual(
      Array.from({ length: 24 }, (_, hour) => `2025-09-06T${String(hour).padStart(2, '0')}:00:00`),
    );
  });

  it('follows the interval and terminal it is given', async () => {
    const frames = await all(of('2025-09-06').pipe(frameGrid({ streams: ['in_gate'], terminal: 'abc', intervalMinutes: 15 })));
    expect(frames).toHaveLength(96);
    expect(frames[1].frame).toMatchObject({ terminal: 'abc', capturedAt: '2025-09-06T00:15:00' });
  });

  it.each([
    [{ streams: ['../x'] }, 'invalid stream "../x"'],
    [{ terminal: 'APM' }, 'invalid terminal "APM"'],
    [{ intervalMinutes: 0 }, 'invalid interval "0"'],
    [{ streams: [] }, 'invalid streams'],
  ])('rejects %j', (options, message) => {
    expect(() => frameGrid(options)).toThrow(message);
  });
});

describe('frameRange', () => {
  it('composes dates and grid; `to` defaults to `from`', async () => {
    expect(await all(frameRange({ from: '2025-09-01', to: '2025-09-02', streams: ['in_gate'] }))).toHaveLength(288);
    expect(await all(frameRange({ from: '2025-09-01', streams: ['in_gate'], intervalMinutes: 60 }))).toHaveLength(24);
  });
});

describe('framesFromFile', () => {
  const tempDir = useTempDir();
  const fileWith = (text: string) => {
    const path = join(tempDir(), 'frames.txt');
    writeFileSync(path, text);
    return path;
  };

  it('reads CDN URLs (full and thumbnail) and `<stream> <time>` lines, skipping blanks and comments', async () => {
    const path = fileWith(
      [
        '# frames seen on the history page',
        'https://cdn.draydog.com/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg',
        '',
        'https://cdn.draydog.com/apm/2025-09-06/20/2025-09-06T20:08:39-in_gate-thumbnail.jpeg  # only a thumbnail',
        'out_gate 2025-09-06T21:07:40',
        '   ',
      ].join('\n'),
    );
    const frames = await all(framesFromFile(path));
    expect(frames.map(({ frame }) => `${frame.terminal} ${frame.stream} ${frame.capturedAt} ${frame.date}`)).toEqual([
      'apm in_gate 2025-09-06T00:20:27 2025-09-06',
      'apm in_gate 2025-09-06T20:08:39 2025-09-06',
      'apm out_gate 2025-09-06T21:07:40 2025-09-06',
    ]);
  });

  it.each([
    ['in_gate 2025-09-06 10:00:00', 2],
    ['in_gate 2025-09-06T25:00:00', 2],
    ['https://cdn.draydog.com/apm/2025-09-06/7/2025-09-06T00:20:27-in_gate.jpeg', 2],
    ['../etc 2025-09-06T10:00:00', 2],
  ])('names the line number of a malformed line: %s', async (bad, line) => {
    const path = fileWith(`in_gate 2025-09-06T00:00:00\n${bad}\nin_gate 2025-09-06T00:10:00\n`);
    await expect(all(framesFromFile(path))).rejects.toThrow(`line ${line}`);
  });

  it('fails with the path when the file cannot be read', async () => {
    await expect(firstValueFrom(framesFromFile(join(tempDir(), 'nope.txt')))).rejects.toThrow(
      /cannot read frames file ".*nope.txt": ENOENT/,
    );
  });

  it('parses URL-encoded colons', () => {
    expect(parseFrameUrl('https://x/apm/2025-09-06/0/2025-09-06T00%3A20%3A27-in_gate.jpeg')?.capturedAt).toBe('2025-09-06T00:20:27');
  });
});
