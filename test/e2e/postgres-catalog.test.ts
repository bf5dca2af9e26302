import { createHash } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkImageDownloader, catalogCoverage, frameFilePath, Image, openCatalog, type CatalogOrm } from '../../src/index.ts';
import { catalogDiscoveryCache } from '../../src/catalog/discovery-cache.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { dashboardUrl, listTree, quickDownloadArgs, runCli, startCli, until } from '../support/cli.ts';
import { openCatalogReadOnly } from '../../src/dashboard/read-only-catalog.ts';
import type { RunSnapshot } from '../../src/dashboard/run-state.ts';
import { useFreshDirs, useSimulators } from '../support/fresh-dirs.ts';
import { postgresForTests, startPostgres, type PostgresServer } from '../support/services/postgres.ts';

const POSTGRES = postgresForTests(import.meta.filename);
const DATE = '2025-09-01';
const STREAMS = ['in_gate', 'out_gate'];
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');

const freshDir = useFreshDirs('draydog-pg-');
const simulator = useSimulators();
const harshSimulator = (latencyMs = 5) => simulator({ timing: 'grid', frameSize: 'small', seed: 16, faults: 'harsh', latencyMs });

const downloadArgs = (sim: Simulator, db: string, ...more: string[]) =>
  quickDownloadArgs({ from: DATE, baseUrl: sim.url, out: 'images', db }, ...more);

async function withCatalog<T>(db: string, use: (orm: CatalogOrm) => Promise<T>): Promise<T> {
  const orm = await openCatalog({ dbPath: db });
  try {
    return await use(orm);
  } finally {
    await orm.close();
  }
}

/** What a catalog says of each frame, without the times it was written. */
const framesOf = (db: string) =>
  withCatalog(db, async (orm) =>
    (await orm.em.fork().find(Image, {}, { orderBy: { stream: 'asc', capturedAt: 'asc' } })).map(
      ({ terminal, stream, capturedAt, filePath, fileSize, sha256, variant }) => ({
        terminal,
        stream,
        capturedAt,
        filePath,
        fileSize,
        sha256,
        variant,
      }),
    ),
  );

/** The catalog holds every frame the simulator serves on DATE exactly once, and the files on disk are its bytes. */
async function expectCompleteArchive(dir: string, db: string, sim: Simulator): Promise<void> {
  const rows = await framesOf(db);
  const expected = STREAMS.flatMap((stream) => sim.frames(DATE, stream));
  expect(rows.map(({ stream, capturedAt }) => `${stream}/${capturedAt}`)).toEqual(
    expected.map(({ stream, capturedAt }) => `${stream}/${capturedAt}`).sort(),
  );
  expect(listTree(join(dir, 'images')).filter((path) => path.endsWith('.jpg'))).toHaveLength(rows.length);
  expect(listTree(dir).filter((path) => path.includes('draydog-part'))).toEqual([]);
  for (const frame of expected) {
    const body = readFileSync(frameFilePath(join(dir, 'images'), frame));
    expect(body.equals(sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!)).toBe(true);
    const row = rows.find(({ stream, capturedAt }) => stream === frame.stream && capturedAt === frame.capturedAt)!;
    expect([row.fileSize, row.sha256]).toEqual([body.length, sha(body)]);
  }
}

describe.skipIf(!POSTGRES)('a catalog on PostgreSQL', () => {
  let server: PostgresServer;
  let databases = 0;
  const newDatabase = () => server.createDatabase(`catalog_${++databases}`);
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  it('holds what the SQLite catalog holds for the same harsh download, and its password is never shown', async () => {
    const sim = await harshSimulator();
    const db = await newDatabase();
    const [onPostgres, onSqlite] = [freshDir(), freshDir()];
    const first = await runCli(downloadArgs(sim, db), { cwd: onPostgres, spawned: true, timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(0);
    await expectCompleteArchive(onPostgres, db, sim);
    expect(first.stderr).toContain('postgres:***@127.0.0.1');
    expect(first.stderr + readFileSync(join(onPostgres, 'report.json'), 'utf8')).not.toContain(server.password);

    const requests = sim.stats().totalRequests;
    const again = await runCli(downloadArgs(sim, db), { cwd: onPostgres, spawned: true, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(sim.stats().totalRequests).toBe(requests);

    const sqlite = await runCli(downloadArgs(sim, 'sqlite:catalog.sqlite'), { cwd: onSqlite, spawned: true, timeoutMs: 120_000 });
    expect(sqlite.code, sqlite.stderr).toBe(0);
    expect(await framesOf(db)).toEqual(await framesOf(join(onSqlite, 'catalog.sqlite')));

    // the report's queries give the same answers on both
    const report = (catalog: string, cwd: string) => runCli(['report', '--db', catalog, '--json'], { cwd });
    const [fromPostgres, fromSqlite] = [await report(db, onPostgres), await report('catalog.sqlite', onSqlite)];
    expect(fromPostgres.code, fromPostgres.stderr).toBe(0);
    expect(JSON.parse(fromPostgres.stdout)).toEqual(JSON.parse(fromSqlite.stdout));
    expect(JSON.parse(fromPostgres.stdout)[0].largestGapSeconds).toBeGreaterThan(0);
    const coverage = (catalog: string) =>
      withCatalog(catalog, (orm) => catalogCoverage(orm, { from: DATE, to: DATE, now: Date.parse('2026-01-01') }));
    const postgresCoverage = await coverage(db);
    expect(postgresCoverage.streams).toEqual((await coverage(join(onSqlite, 'catalog.sqlite'))).streams);
    expect(postgresCoverage.streams.flatMap((stream) => stream.gaps).length).toBeGreaterThan(0);
    const html = await runCli(['report', '--db', db, '--html', 'coverage.html'], { cwd: onPostgres });
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(join(onPostgres, 'coverage.html'), 'utf8')).toContain('in_gate');
  }, 300_000);

  it('killed with -9 mid-run, a rerun completes the archive with one row per frame', async () => {
    const sim = await harshSimulator(20);
    const db = await newDatabase();
    const dir = freshDir();
    const run = startCli(downloadArgs(sim, db), { cwd: dir });
    await until(() => sim.stats().totalRequests >= 150, 90_000);
    run.child.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');
    const rerun = await runCli(downloadArgs(sim, db), { cwd: dir, spawned: true, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectCompleteArchive(dir, db, sim);
  }, 180_000);

  it('the first SIGINT drains: exit 130, and every file written has its row', async () => {
    const sim = await harshSimulator(20);
    const db = await newDatabase();
    const dir = freshDir();
    const run = startCli(downloadArgs(sim, db), { cwd: dir, timeoutMs: 120_000 });
    await until(() => sim.stats().totalRequests >= 100, 90_000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.finished;
    expect(code, stderr).toBe(130);
    const files = listTree(join(dir, 'images')).filter((path) => path.endsWith('.jpg'));
    expect(files.length).toBeGreaterThan(0);
    expect((await framesOf(db)).map(({ filePath }) => filePath).sort()).toEqual(files);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({
      interrupted: true,
      stats: { downloaded: files.length },
    });
  }, 180_000);

  it('two runs writing one catalog at once leave exactly one row per frame', async () => {
    const sim = await harshSimulator();
    const db = await newDatabase();
    const dir = freshDir();
    const runs = [
      startCli(downloadArgs(sim, db), { cwd: dir, timeoutMs: 120_000 }),
      startCli(downloadArgs(sim, db, '--report', 'other.json'), { cwd: dir, timeoutMs: 120_000 }),
    ];
    for (const { code, stderr } of await Promise.all(runs.map((run) => run.finished))) expect(code, stderr).toBe(0);
    await expectCompleteArchive(dir, db, sim);
  }, 180_000);

  describe('a server that cannot be used is bad input: exit 2, one line naming the URL without its password, nothing written', () => {
    const cases: [string, (server: PostgresServer, sim: Simulator) => string, RegExp][] = [
      [
        'a wrong password',
        ({ port }) => `postgres://postgres:not-the-password@127.0.0.1:${port}/postgres`,
        /postgres:\*\*\*@.*refused the user name or password$/,
      ],
      ['a database that does not exist', ({ url }) => `${url}/no_such_catalog`, /no such database on the server$/],
      ['nothing listening', () => 'postgres://postgres:not-the-password@127.0.0.1:1/catalog', /nothing listens there \(ECONNREFUSED\)$/],
      [
        'a server that is not PostgreSQL',
        (_, sim) => `postgres://postgres:not-the-password@${new URL(sim.url).host}/catalog`,
        /not a PostgreSQL server/,
      ],
    ];
    it.each(cases)('%s', async (_, urlOf, reason) => {
      const sim = await harshSimulator();
      const dir = freshDir();
      const url = urlOf(server, sim);
      const password = decodeURIComponent(new URL(url).password);
      for (const args of [downloadArgs(sim, url), ['report', '--db', url], ['verify', '--db', url, '--out', 'images']]) {
        const result = await runCli(args, { cwd: dir });
        expect(result.code, result.stderr).toBe(2);
        const lines = result.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^draydog: invalid database "postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+": /);
        expect(lines[0]).toMatch(reason);
        expect(result.stderr + result.stdout).not.toContain(password);
      }
      expect(listTree(dir)).toEqual([]);
      expect(sim.stats().totalRequests).toBe(0);
    });
  });

  it('verify finds a changed and a missing file, and --repair fixes the catalog', async () => {
    const sim = await harshSimulator();
    const db = await newDatabase();
    const dir = freshDir();
    expect((await runCli(downloadArgs(sim, db, '--max-per-date', '6'), { cwd: dir, spawned: true, timeoutMs: 120_000 })).code).toBe(0);
    const before = await framesOf(db);
    const [flipped, gone] = before.map(({ filePath }) => join(dir, 'images', filePath));
    writeFileSync(flipped, Buffer.concat([readFileSync(flipped).subarray(0, -3), Buffer.from([0, 0xff, 0xd9])]));
    unlinkSync(gone);
    const found = await runCli(['verify', '--db', db, '--out', 'images', '--json'], { cwd: dir });
    expect(found.code, found.stderr).toBe(1);
    expect(
      JSON.parse(found.stdout)
        .problems.map(({ kind }: { kind: string }) => kind)
        .sort(),
    ).toEqual(['missingFile', 'wrongHash']);
    const repaired = await runCli(['verify', '--db', db, '--out', 'images', '--repair'], { cwd: dir });
    expect(repaired.code, repaired.stderr).toBe(0);
    expect((await runCli(['verify', '--db', db, '--out', 'images'], { cwd: dir })).code).toBe(0);
    expect(await framesOf(db)).toHaveLength(before.length - 2);
  });

  it('keeps paths and URLs longer than 255 characters, the discovery cache, and a schema that is made once', async () => {
    const db = await newDatabase();
    const longPath = `${'a-folder-with-a-long-name/'.repeat(12)}20250901000000_in_gate.jpg`;
    await withCatalog(db, async (orm) => {
      await upsertImages(orm, [
        {
          terminal: 'apm',
          stream: 'in_gate',
          capturedAt: '2025-09-01T00:00:00',
          filePath: longPath,
          fileSize: 1,
          sha256: 'x',
          sourceUrl: `http://cdn/${longPath}`,
          variant: 'full',
          downloadedAt: '2026-01-01T00:00:00Z',
        },
      ]);
      const cache = catalogDiscoveryCache(orm, { now: () => Date.parse('2026-01-01') });
      const frames = STREAMS.map((stream) => ({ terminal: 'apm', stream, capturedAt: '2025-09-01T00:20:27', date: DATE }));
      await cache.save(DATE, 'apm', STREAMS, frames);
      expect(await cache.load(DATE, 'apm', STREAMS)).toEqual(frames);
    });
    // opened again, by the class of the seed as well: nothing migrated twice
    const downloader = new BulkImageDownloader({ dbPath: db, downloadDir: freshDir() });
    expect(await downloader.saveToDatabase([])).toBe(0);
    await downloader.close();
    await withCatalog(db, async (orm) => {
      expect((await orm.em.fork().findOneOrFail(Image, { stream: 'in_gate' })).filePath).toBe(longPath);
      const migrations = await orm.em.getConnection().execute<{ name: string }[]>('select name from draydog_migrations');
      expect(migrations.map(({ name }) => name)).toEqual(['draydog-pg-001-catalog-tables']);
    });
  });

  it('a server that goes away mid-run ends the run with exit 1, naming no password', async () => {
    const own = await startPostgres();
    try {
      const sim = await harshSimulator(20);
      const db = await own.createDatabase('catalog');
      const run = startCli(downloadArgs(sim, db), { cwd: freshDir(), timeoutMs: 120_000 });
      await until(() => sim.stats().totalRequests >= 100, 90_000);
      await own.stop();
      const { code, stderr } = await run.finished;
      expect(code, stderr).toBe(1);
      expect(stderr).not.toContain(own.password);
    } finally {
      await own.stop();
    }
  }, 180_000);

  it('an upsert whose session the server ends mid-transaction is tried again on a new connection, not failed', async () => {
    const db = await newDatabase();
    const row = (sha256: string) => ({
      terminal: 'apm',
      stream: 'in_gate',
      capturedAt: '2025-09-01T00:00:00',
      filePath: '2025-09-01/in_gate/20250901000000_in_gate.jpg',
      fileSize: 1,
      sha256,
      sourceUrl: null,
      variant: 'full' as const,
      downloadedAt: '2026-01-01T00:00:00Z',
    });
    const waitingForLock = "from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'";
    await withCatalog(db, async (orm) => {
      await upsertImages(orm, [row('first')]);
      // another session holds the row, so draydog's upsert of it waits inside its transaction
      const blocker = await openCatalog({ dbPath: db });
      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const holding = blocker.em.fork().transactional(async (em) => {
        await em
          .getConnection()
          .execute('select 1 from images where captured_at = ? for update', ['2025-09-01T00:00:00'], 'all', em.getTransactionContext());
        locked.resolve();
        await release.promise;
      });
      try {
        await locked.promise;
        const upsert = upsertImages(orm, [row('second')]);
        for (let tries = 0; (await server.sql(db, `select count(*) ${waitingForLock}`)) === '0'; tries += 1) {
          if (tries === 200) throw new Error('the upsert never waited for the row');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(await server.sql(db, `select count(pg_terminate_backend(pid)) ${waitingForLock}`)).toBe('1');
        release.resolve();
        await holding;
        await upsert;
        const rows = await orm.em.fork().find(Image, {});
        expect(rows.map(({ sha256 }) => sha256)).toEqual(['second']);
      } finally {
        release.resolve();
        await holding.catch(() => undefined);
        await blocker.close();
      }
    });
  });

  it('watch and organize keep their catalog on PostgreSQL', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const db = await newDatabase();
    const dir = freshDir();
    const watched = await runCli(
      [
        'watch',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        db,
        '--streams',
        'in_gate',
        '--max-cycles',
        '1',
        '--clock-from',
        `${DATE}T01:00:00`,
      ],
      { cwd: dir, spawned: true, timeoutMs: 120_000 },
    );
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stderr).not.toContain(server.password);
    const expected = sim.frames(DATE, 'in_gate').filter(({ capturedAt }) => capturedAt <= `${DATE}T01:00:00`);
    expect((await framesOf(db)).map(({ capturedAt }) => capturedAt)).toEqual(expected.map(({ capturedAt }) => capturedAt));

    // the watched files, organized into another tree: the catalog follows them
    const target = join(dir, 'organized');
    const organized = await runCli(['organize', 'images', target, '--db', db, '--json'], { cwd: dir });
    expect(organized.code, organized.stderr).toBe(0);
    const rows = await framesOf(db);
    expect(rows).toHaveLength(expected.length);
    for (const row of rows) expect(readFileSync(join(target, row.filePath)).length).toBe(row.fileSize);
  }, 180_000);

  it('the dashboard shows the catalog, read-only: its heatmap and the newest frame of each stream, and no write', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const db = await newDatabase();
    const dir = freshDir();
    const downloaded = await runCli([...downloadArgs(sim, db), '--max-per-date', '12'], { cwd: dir, spawned: true, timeoutMs: 60_000 });
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const rows = await framesOf(db);
    const run = startCli(['dashboard', '--db', db, '--out', 'images', '--ui'], { cwd: dir, timeoutMs: 60_000 });
    const state = (await (await fetch(`${await dashboardUrl(run)}api/state`)).json()) as RunSnapshot;
    expect(state.phase).toBe('catalog');
    const newestOf = (stream: string) => rows.filter((row) => row.stream === stream).at(-1)!.capturedAt;
    expect(state.streams.map(({ stream, newest }) => [stream, newest])).toEqual(STREAMS.map((stream) => [stream, newestOf(stream)]));
    const cells = state.coverage!.streams.flatMap(({ days }) => days.flatMap(({ cells }) => cells));
    expect(state.coverage!.to).toBe(DATE);
    expect(cells.reduce((sum, { present }) => sum + present, 0)).toBe(rows.length);
    run.child.kill('SIGINT');
    const stopped = await run.finished;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).not.toContain(server.password);
    expect(await framesOf(db)).toEqual(rows);

    const orm = await openCatalogReadOnly(db);
    try {
      await expect(orm.em.getConnection().execute('delete from images')).rejects.toThrow(/read-only transaction/);
    } finally {
      await orm.close();
    }
    expect(await framesOf(db)).toEqual(rows);

    const empty = await newDatabase();
    const refused = await runCli(['dashboard', '--db', empty], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('not a draydog catalog of this version');
    expect(refused.stderr).not.toContain(server.password);
  }, 120_000);

  it("refuses another application's database untouched", async () => {
    const db = await newDatabase();
    await server.sql(db, 'create table invoices (id int)');
    await expect(openCatalog({ dbPath: db })).rejects.toThrow(
      /^invalid database "postgres:\/\/postgres:\*\*\*@.*": not a draydog catalog \(it holds invoices\); left untouched$/,
    );
    expect(await server.sql(db, "select string_agg(table_name, ',') from information_schema.tables where table_schema = 'public'")).toBe(
      'invoices',
    );
  });
});

describe('naming a catalog', () => {
  it('shows a PostgreSQL URL without its password, in `draydog config` too', async () => {
    const url = 'postgres://reader:s3cr%40t@db.example:5433/frames';
    const shown = await runCli(['config', '--db', url, '--json'], { cwd: freshDir() });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).find(({ option }: { option: string }) => option === 'db').value).toBe(
      'postgres://reader:***@db.example:5433/frames',
    );
    expect(shown.stdout).not.toContain('s3cr');
  });

  it('takes `sqlite:` and a path as that SQLite file', async () => {
    const dir = freshDir();
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const run = await runCli(
      [
        'download',
        '--from',
        DATE,
        '--max-per-date',
        '2',
        '--streams',
        'in_gate',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'sqlite:catalogs/c.sqlite',
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await framesOf(join(dir, 'catalogs', 'c.sqlite'))).toHaveLength(2);
  });
});
