import { mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogOrm } from '../../src/catalog/catalog-location.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { frameOfFileName, Image, openCatalog, organizeFiles } from '../../src/index.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
let orm: CatalogOrm | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('frameOfFileName', () => {
  it.each([
    ['20250901100000_in_gate.jpg', 'in_gate', '2025-09-01T10:00:00'],
    ['20250901100000_OUT_GATE.JPEG', 'out_gate', '2025-09-01T10:00:00'],
    ['2025-09-01T10:00:00-in_gate.jpeg', 'in_gate', '2025-09-01T10:00:00'],
    ['2025-09-01T23:59:59-in_gate-thumbnail.jpeg', 'in_gate', '2025-09-01T23:59:59'],
  ])('reads %s', (name, stream, capturedAt) => {
    expect(frameOfFileName(name)).toEqual({ terminal: 'apm', stream, capturedAt, date: capturedAt.slice(0, 10) });
  });

  it.each(['holiday.jpg', '20251301100000_in_gate.jpg', '2025-09-01T25:00:00-in_gate.jpeg', '20250901100000_in-gate.jpg'])(
    'rejects %s',
    (name) => {
      expect(frameOfFileName(name)).toBeUndefined();
    },
  );
});

describe('organizeFiles', () => {
  it('moves frames into the layout, leaves the rest with reasons, never overwrites, and records paths', async () => {
    const root = tempDir();
    const source = join(root, 'messy');
    const target = join(root, 'images');
    mkdirSync(join(source, 'deeper', 'still'), { recursive: true });
    mkdirSync(join(target, '2025-09-01', 'in_gate'), { recursive: true });
    const files: Record<string, Buffer | string> = {
      '20250901100000_in_gate.jpg': fakeJpeg('compact'),
      'deeper/2025-09-01T10:10:00-in_gate.JPEG': fakeJpeg('cdn name'),
      'deeper/still/2025-09-01T10:20:00-out_gate-thumbnail.jpeg': fakeJpeg('thumb', { width: 240, height: 135 }),
      'deeper/20250901103000_in_gate.jpg': fakeJpeg('already there'),
      'notes.txt': 'not an image',
      'holiday.jpg': fakeJpeg('no time'),
      '20250901104000_in_gate.jpg': 'a text file in disguise',
    };
    for (const [name, body] of Object.entries(files)) writeFileSync(join(source, name), body);
    const occupied = join(target, '2025-09-01', 'in_gate', '20250901103000_in_gate.jpg');
    writeFileSync(occupied, 'mine');
    orm = await openCatalog({ dbPath: join(root, 'c.sqlite') });
    await upsertImages(orm, [
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:00:00',
        filePath: join(source, '20250901100000_in_gate.jpg'),
        fileSize: 1,
        sha256: 'old',
        sourceUrl: 'https://cdn/x.jpeg',
        variant: 'full',
        downloadedAt: '2025-09-01T11:00:00.000Z',
      },
    ]);

    const result = await organizeFiles(source, target, { orm });

    expect(result.moved.map(({ to }) => to.slice(target.length + 1)).sort()).toEqual([
      '2025-09-01/in_gate/20250901100000_in_gate.jpg',
      '2025-09-01/in_gate/20250901101000_in_gate.jpg',
      '2025-09-01/out_gate/20250901102000_out_gate.jpg',
    ]);
    expect(Object.fromEntries(result.left.map(({ path, reason }) => [path.slice(source.length + 1), reason]))).toEqual({
      'deeper/20250901103000_in_gate.jpg': `${occupied} already exists with other content (another sha256)`,
      'notes.txt': 'not a .jpg or .jpeg file',
      'holiday.jpg': 'name holds no capture time and stream',
      '20250901104000_in_gate.jpg': 'content is not a JPEG',
    });
    expect(readFileSync(occupied, 'utf8')).toBe('mine');
    expect(readdirSync(source).sort()).toEqual(['20250901104000_in_gate.jpg', 'deeper', 'holiday.jpg', 'notes.txt']);

    const rows = await orm.em.fork().find(Image, {}, { orderBy: { capturedAt: 'asc' } });
    // relative to the target, the archive's root
    expect(rows.map(({ capturedAt, filePath, variant, sourceUrl }) => [capturedAt, filePath, variant, sourceUrl])).toEqual([
      ['2025-09-01T10:00:00', '2025-09-01/in_gate/20250901100000_in_gate.jpg', 'full', 'https://cdn/x.jpeg'],
      ['2025-09-01T10:10:00', '2025-09-01/in_gate/20250901101000_in_gate.jpg', 'full', null],
      ['2025-09-01T10:20:00', '2025-09-01/out_gate/20250901102000_out_gate.jpg', 'thumbnail', null],
    ]);
  });

  it('moves nothing through a linked date folder or onto a link, broken or not', async () => {
    const root = tempDir();
    const [source, target, outside] = ['source', 'target', 'outside'].map((name) => join(root, name));
    for (const folder of [source, join(target, '2025-09-02', 'in_gate'), outside]) mkdirSync(folder, { recursive: true });
    symlinkSync(outside, join(target, '2025-09-01'));
    symlinkSync(join(root, 'nowhere.jpg'), join(target, '2025-09-02', 'in_gate', '20250902100000_in_gate.jpg'));
    writeFileSync(join(source, '20250901100000_in_gate.jpg'), fakeJpeg('a'));
    writeFileSync(join(source, '20250902100000_in_gate.jpg'), fakeJpeg('b'));

    const result = await organizeFiles(source, target);

    expect(result.moved).toEqual([]);
    expect(result.left.map(({ reason }) => reason).sort()).toEqual([
      `${join(target, '2025-09-01')} is a symbolic link: draydog does not follow links out of the archive`,
      `${join(target, '2025-09-02', 'in_gate', '20250902100000_in_gate.jpg')} already exists`,
    ]);
    expect(readdirSync(outside)).toEqual([]);
    expect(readlinkSync(join(target, '2025-09-02', 'in_gate', '20250902100000_in_gate.jpg'))).toBe(join(root, 'nowhere.jpg'));
    expect(readdirSync(source).sort()).toEqual(['20250901100000_in_gate.jpg', '20250902100000_in_gate.jpg']);
  });

  it('leaves a file that is already in place', async () => {
    const root = tempDir();
    mkdirSync(join(root, '2025-09-01', 'in_gate'), { recursive: true });
    writeFileSync(join(root, '2025-09-01', 'in_gate', '20250901100000_in_gate.jpg'), fakeJpeg('x'));
    const result = await organizeFiles(root, root);
    expect(result).toEqual({
      moved: [],
      alreadyThere: [],
      left: [{ path: join(root, '2025-09-01', 'in_gate', '20250901100000_in_gate.jpg'), reason: 'already in place' }],
    });
  });

  it('compares a file already at the target by sha256; a dry run moves and catalogs nothing', async () => {
    const root = tempDir();
    const [source, target] = ['source', 'target'].map((name) => join(root, name));
    mkdirSync(join(target, '2025-09-01', 'in_gate'), { recursive: true });
    mkdirSync(source);
    writeFileSync(join(source, '20250901100000_in_gate.jpg'), fakeJpeg('same'));
    writeFileSync(join(target, '2025-09-01', 'in_gate', '20250901100000_in_gate.jpg'), fakeJpeg('same'));
    writeFileSync(join(source, '20250901101000_in_gate.jpg'), fakeJpeg('new'));
    orm = await openCatalog({ dbPath: join(root, 'c.sqlite') });

    const dry = await organizeFiles(source, target, { orm, dryRun: true });

    expect(dry.alreadyThere).toEqual([
      { path: join(source, '20250901100000_in_gate.jpg'), at: join(target, '2025-09-01', 'in_gate', '20250901100000_in_gate.jpg') },
    ]);
    expect(dry.moved).toEqual([
      { from: join(source, '20250901101000_in_gate.jpg'), to: join(target, '2025-09-01', 'in_gate', '20250901101000_in_gate.jpg') },
    ]);
    expect(readdirSync(source).sort()).toEqual(['20250901100000_in_gate.jpg', '20250901101000_in_gate.jpg']);
    expect(readdirSync(join(target, '2025-09-01', 'in_gate'))).toEqual(['20250901100000_in_gate.jpg']);
    expect(await orm.em.fork().count(Image, {})).toBe(0);
  });
});
