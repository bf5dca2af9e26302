import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { dirname, join } from 'node:path';
import { MikroORM } from '@mikro-orm/sqlite';
import type { CatalogOrm } from '../../src/catalog/catalog-location.ts';
import { lastValueFrom, of, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  frameFilePath,
  Image,
  MissingFrame,
  openCatalog,
  saveToCatalog,
  summarizeCatalog,
  type FrameRef,
  type PipelineItem,
} from '../../src/index.ts';
import { catalogConfig } from '../../src/catalog/open-catalog.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import { runCli } from '../support/cli.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
let orm: CatalogOrm | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

const downloaded = (capturedAt: string, filePath: string, body: Buffer): PipelineItem => ({
  kind: 'downloaded',
  frame: frame(capturedAt),
  url: `https://cdn.test/${capturedAt}.jpeg`,
  variant: 'full',
  bytes: body.length,
  sha256: sha(body),
  filePath,
  attempts: 1,
});

const rows = async () =>
  (await orm!.em.fork().find(Image, {}, { orderBy: { capturedAt: 'asc' } })).map(({ id: _id, downloadedAt: _at, ...row }) => row);

describe('saveToCatalog', () => {
  it('upserts one row per frame, idempotently, and passes every item on', async () => {
    orm = await openCatalog({ dbPath: join(tempDir(), 'c.sqlite') });
    const items = [
      downloaded('2025-09-01T10:00:00', '/x/a.jpg', fakeJpeg('a')),
      { kind: 'notFound', frame: frame('2025-09-01T10:10:00'), urls: [], attempts: 1 } as PipelineItem,
      downloaded('2025-09-01T10:20:00', '/x/b.jpg', fakeJpeg('b')),
    ];
    const passed = await lastValueFrom(of(...items).pipe(saveToCatalog(orm, { batchSize: 2 }), toArray()));
    expect(passed).toEqual(items);
    await lastValueFrom(of(...items).pipe(saveToCatalog(orm), toArray()));
    expect(await rows()).toEqual([
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:00:00',
        filePath: '/x/a.jpg',
        fileSize: fakeJpeg('a').length,
        sha256: sha(fakeJpeg('a')),
        sourceUrl: 'https://cdn.test/2025-09-01T10:00:00.jpeg',
        variant: 'full',
      },
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:20:00',
        filePath: '/x/b.jpg',
        fileSize: fakeJpeg('b').length,
        sha256: sha(fakeJpeg('b')),
        sourceUrl: 'https://cdn.test/2025-09-01T10:20:00.jpeg',
        variant: 'full',
      },
    ]);
  });

  it('updates the row of a frame downloaded again', async () => {
    orm = await openCatalog({ dbPath: join(tempDir(), 'c.sqlite') });
    await lastValueFrom(of(downloaded('2025-09-01T10:00:00', '/x/a.jpg', fakeJpeg('a'))).pipe(saveToCatalog(orm)));
    await lastValueFrom(of(downloaded('2025-09-01T10:00:00', '/y/a.jpg', fakeJpeg('new'))).pipe(saveToCatalog(orm)));
    expect(await rows()).toMatchObject([{ filePath: '/y/a.jpg', sha256: sha(fakeJpeg('new')) }]);
  });

  it('adds the missing row of a file found on disk, reading its size, hash and variant from the file', async () => {
    const root = tempDir();
    orm = await openCatalog({ dbPath: join(root, 'c.sqlite') });
    const full = fakeJpeg('on disk');
    const thumbnail = fakeJpeg('small', { width: 320, height: 180 });
    const paths = ['2025-09-01T10:00:00', '2025-09-01T10:10:00'].map((capturedAt) => frameFilePath(root, frame(capturedAt)));
    mkdirSync(dirname(paths[0]), { recursive: true });
    writeFileSync(paths[0], full);
    writeFileSync(paths[1], thumbnail);
    const existing = (capturedAt: string, filePath: string): PipelineItem => ({
      kind: 'alreadyExisted',
      frame: frame(capturedAt),
      filePath,
    });
    await lastValueFrom(of(existing('2025-09-01T10:00:00', paths[0]), existing('2025-09-01T10:10:00', paths[1])).pipe(saveToCatalog(orm)));
    expect(await rows()).toEqual([
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:00:00',
        filePath: paths[0],
        fileSize: full.length,
        sha256: sha(full),
        sourceUrl: null,
        variant: 'full',
      },
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:10:00',
        filePath: paths[1],
        fileSize: thumbnail.length,
        sha256: sha(thumbnail),
        sourceUrl: null,
        variant: 'thumbnail',
      },
    ]);
  });

  it('keeps the row of a file that is already cataloged', async () => {
    orm = await openCatalog({ dbPath: join(tempDir(), 'c.sqlite') });
    await lastValueFrom(of(downloaded('2025-09-01T10:00:00', '/gone/a.jpg', fakeJpeg('a'))).pipe(saveToCatalog(orm)));
    await lastValueFrom(
      of<PipelineItem>({ kind: 'alreadyExisted', frame: frame('2025-09-01T10:00:00'), filePath: '/gone/a.jpg' }).pipe(saveToCatalog(orm)),
    );
    expect(await rows()).toMatchObject([{ sourceUrl: 'https://cdn.test/2025-09-01T10:00:00.jpeg' }]);
  });

  it('remembers a miss per CDN once a frame of its date and stream turned up in the same run, in a later batch too', async () => {
    orm = await openCatalog({ dbPath: join(tempDir(), 'c.sqlite') });
    const miss = (capturedAt: string, attempts = 1): PipelineItem => ({ kind: 'notFound', frame: frame(capturedAt), urls: [], attempts });
    const items = [
      miss('2025-09-01T10:00:00'),
      downloaded('2025-09-01T10:10:00', '/x/a.jpg', fakeJpeg('a')),
      miss('2025-09-01T10:20:00'),
      miss('2025-09-01T10:30:00', 0), // skipped as known: not a new answer
      miss('2025-09-02T10:00:00'), // its date had no frame at all
    ];
    await lastValueFrom(of(...items).pipe(saveToCatalog(orm, { batchSize: 1, baseUrl: 'https://user:secret@cdn.test/' }), toArray()));
    await lastValueFrom(of(...items).pipe(saveToCatalog(orm, { batchSize: 1 }), toArray())); // no CDN given: none remembered
    const misses = await orm.em.fork().find(MissingFrame, {}, { orderBy: { capturedAt: 'asc' } });
    expect(misses.map(({ baseUrl, capturedAt }) => [baseUrl, capturedAt])).toEqual([
      ['https://cdn.test', '2025-09-01T10:00:00'],
      ['https://cdn.test', '2025-09-01T10:20:00'],
    ]);
  });

  it('survives reopening: the migrations run once', async () => {
    const dbPath = join(tempDir(), 'c.sqlite');
    orm = await openCatalog({ dbPath });
    await lastValueFrom(of(downloaded('2025-09-01T10:00:00', '/x/a.jpg', fakeJpeg('a'))).pipe(saveToCatalog(orm)));
    await orm.close();
    orm = await openCatalog({ dbPath });
    expect(await rows()).toHaveLength(1);
  });
});

/** Runs `sql` on the SQLite file at `path` with Node's own SQLite, as another program would, and returns the rows of the last statement. */
function sqlite(path: string, sql: string, query = ''): Record<string, unknown>[] {
  const db = new DatabaseSync(path);
  try {
    if (sql) db.exec(sql);
    return query ? db.prepare(query).all() : [];
  } finally {
    db.close();
  }
}

const tableNames = (path: string) =>
  sqlite(path, '', "select name from sqlite_master where type = 'table' order by name").map(({ name }) => name);

describe('openCatalog', () => {
  it("keeps the user's own table and column in a catalog, through every reopening and a report", async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'c.sqlite');
    orm = await openCatalog({ dbPath });
    await lastValueFrom(of(downloaded('2025-09-01T10:00:00', '/x/a.jpg', fakeJpeg('a'))).pipe(saveToCatalog(orm)));
    await orm.close();
    orm = undefined;
    sqlite(
      dbPath,
      "create table my_annotations (note text); insert into my_annotations values ('truck at 10:00'); alter table images add column label text; update images set label = 'busy';",
    );

    orm = await openCatalog({ dbPath });
    await orm.close();
    orm = undefined;
    expect((await runCli(['report', '--db', dbPath], { cwd: dir })).code).toBe(0);

    expect(sqlite(dbPath, '', 'select note from my_annotations')).toEqual([{ note: 'truck at 10:00' }]);
    expect(sqlite(dbPath, '', 'select captured_at, label from images')).toEqual([{ captured_at: '2025-09-01T10:00:00', label: 'busy' }]);
    expect(tableNames(dbPath)).not.toContain('images__temp_alter');
  });

  it('refuses the SQLite database of another application with exit 2 and leaves it byte for byte as it was', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'other.sqlite');
    sqlite(dbPath, "create table users (id integer primary key, name text); insert into users (name) values ('ada');");
    const bytes = readFileSync(dbPath);
    const { mtimeMs } = statSync(dbPath);

    await expect(openCatalog({ dbPath })).rejects.toThrow(
      `invalid database "${dbPath}": not a draydog catalog (it holds users); left untouched`,
    );
    const run = await runCli(['report', '--db', dbPath], { cwd: dir });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`draydog: invalid database "${dbPath}": not a draydog catalog (it holds users); left untouched\n`);
    expect(readFileSync(dbPath).equals(bytes)).toBe(true);
    expect(statSync(dbPath).mtimeMs).toBe(mtimeMs);
    expect(tableNames(dbPath)).toEqual(['users']);
  });

  it('opens and upgrades a catalog made by the schema generator of earlier versions, keeping its rows', async () => {
    const dbPath = join(tempDir(), 'c.sqlite');
    const earlier = await MikroORM.init(catalogConfig(dbPath));
    await earlier.schema.create();
    await upsertImages(earlier, [
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-01T10:00:00',
        filePath: '/x/a.jpg',
        fileSize: 3,
        sha256: 's',
        sourceUrl: null,
        variant: 'full',
        downloadedAt: '2025-09-02T00:00:00.000Z',
      },
    ]);
    await earlier.close();

    orm = await openCatalog({ dbPath });
    expect(await rows()).toMatchObject([{ capturedAt: '2025-09-01T10:00:00', filePath: '/x/a.jpg' }]);
    expect(sqlite(dbPath, '', 'select name from draydog_migrations order by id').map(({ name }) => name)).toEqual([
      'draydog-001-catalog-tables',
      'draydog-002-cdn-missing-frames',
    ]);
  });
});

describe('summarizeCatalog', () => {
  it('gives frames, bytes, first and last, the largest gap and thumbnails per date and stream', async () => {
    orm = await openCatalog({ dbPath: join(tempDir(), 'c.sqlite') });
    const row = (stream: string, capturedAt: string, fileSize: number, variant: 'full' | 'thumbnail' = 'full') => ({
      terminal: 'apm',
      stream,
      capturedAt,
      filePath: `/${stream}/${capturedAt}`,
      fileSize,
      sha256: 's',
      sourceUrl: null,
      variant,
      downloadedAt: '2025-09-08T00:00:00.000Z',
    });
    await upsertImages(orm, [
      row('in_gate', '2025-09-06T20:08:39', 100),
      row('in_gate', '2025-09-06T20:19:06', 200, 'thumbnail'),
      row('in_gate', '2025-09-06T21:07:40', 300),
      row('in_gate', '2025-09-06T21:17:11', 400),
      row('out_gate', '2025-09-06T10:00:00', 50),
      row('in_gate', '2025-09-07T00:00:05', 10),
      row('in_gate', '2025-09-08T00:00:05', 10),
    ]);
    expect(await summarizeCatalog(orm, { from: '2025-09-06', to: '2025-09-07' })).toEqual([
      {
        date: '2025-09-06',
        stream: 'in_gate',
        frames: 4,
        bytes: 1000,
        first: '2025-09-06T20:08:39',
        last: '2025-09-06T21:17:11',
        largestGapSeconds: 48 * 60 + 34,
        thumbnailsOnly: 1,
      },
      {
        date: '2025-09-06',
        stream: 'out_gate',
        frames: 1,
        bytes: 50,
        first: '2025-09-06T10:00:00',
        last: '2025-09-06T10:00:00',
        largestGapSeconds: 0,
        thumbnailsOnly: 0,
      },
      {
        date: '2025-09-07',
        stream: 'in_gate',
        frames: 1,
        bytes: 10,
        first: '2025-09-07T00:00:05',
        last: '2025-09-07T00:00:05',
        largestGapSeconds: 0,
        thumbnailsOnly: 0,
      },
    ]);
    expect(await summarizeCatalog(orm)).toHaveLength(4);
  });
});
