import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/sqlite';
import { InputError } from '../errors.ts';
import { isPostgresUrl, shownCatalog, sqlitePathOf, type CatalogOrm } from './catalog-location.ts';
import { CATALOG_MIGRATIONS, MIGRATIONS_TABLE } from './migrations.ts';
import { Image } from './image-entity.ts';
import { DiscoveredDay } from './discovery-cache.ts';
import { MissingFrame } from './missing-frame-entity.ts';
import { DEFAULTS } from '../settings.ts';

const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');

/** Every entity of the catalog, on every kind of database. */
export const catalogEntities = [Image, MissingFrame, DiscoveredDay];

export function catalogConfig(dbPath: string) {
  return defineConfig({
    dbName: dbPath,
    entities: catalogEntities,
    extensions: [Migrator],
    // the migrations are in the code (no files to find next to a bundle) and keep no schema snapshot on disk
    migrations: { migrationsList: CATALOG_MIGRATIONS, tableName: MIGRATIONS_TABLE, snapshot: false, silent: true },
    debug: false,
    allowGlobalContext: false,
  });
}

/** Tables draydog creates, in this version or an earlier one. */
const draydogTables = new Set(['images', 'missing_frames', 'cdn_missing_frames', 'discovered_days', MIGRATIONS_TABLE]);

/** Refuses a database that holds tables and none of draydog's: another application's data, not a catalog. */
function refuseForeignTables(names: readonly string[], db: string): void {
  if (names.length > 0 && !names.some((name) => draydogTables.has(name))) {
    throw new InputError(
      `invalid database "${shownCatalog(db)}": not a draydog catalog (it holds ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); left untouched`,
    );
  }
}

async function sqliteTables(orm: MikroORM): Promise<string[]> {
  const tables = await orm.em
    .getConnection()
    .execute<{ name: string }[]>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name");
  return tables.map(({ name }) => name);
}

/** Refuses a file that exists and is not an (empty or) SQLite database, without touching it; `db` is a path or `sqlite:` and a path. */
function assertSqliteFile(db: string): void {
  const dbPath = sqlitePathOf(db);
  const existing = statSync(dbPath, { throwIfNoEntry: false });
  if (!existing || existing.size === 0) return;
  if (!existing.isFile()) throw new InputError(`invalid database "${dbPath}": not a file`);
  const header = Buffer.alloc(sqliteHeader.length);
  const fd = openSync(dbPath, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!header.equals(sqliteHeader)) throw new InputError(`invalid database "${dbPath}": not a SQLite database`);
}

/**
 * A write-ahead log synced at checkpoints, not at every commit: the catalog sink commits several times
 * a second, and each commit waited for the disk on the event loop (better-sqlite3 is synchronous), half
 * a second of a run of 2,600 frames on a busy disk. A killed process loses nothing committed; a power
 * cut can lose the last commits but never corrupts the catalog, and the next run catalogs those files
 * again from disk, as it does for files written without `--fsync`. The log is removed at close.
 */
async function commitWithoutWaitingForTheDisk(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  await connection.execute('pragma journal_mode = wal');
  await connection.execute('pragma synchronous = normal');
}

/**
 * One kind of catalog database. The catalog is the same entities and the same portable queries on
 * every kind; a backend knows which locations are its own, how to check one before anything is
 * written, and how to open it (creating it and running the migrations it has not had yet).
 */
export interface CatalogBackend {
  /** Whether `location` (a file path; a server's URL) names a catalog of this kind. */
  handles(location: string): boolean;
  /** Refuses, without touching anything, a location that cannot hold a catalog: an InputError naming it. */
  assertUsable(location: string): void;
  open(location: string): Promise<CatalogOrm>;
}

/**
 * A MikroORM instance on a SQLite catalog (`dbPath` a path, or `sqlite:` and a path); the file and its
 * folder are created and the migrations the catalog has not had yet are run. They only add, so tables
 * and columns of the user's own are kept; a SQLite database of another application is refused untouched.
 */
async function openSqliteCatalog(dbPath: string): Promise<CatalogOrm> {
  assertSqliteFile(dbPath);
  const path = sqlitePathOf(dbPath);
  mkdirSync(dirname(path), { recursive: true });
  const orm = await MikroORM.init(catalogConfig(path));
  try {
    refuseForeignTables(await sqliteTables(orm), path);
    await commitWithoutWaitingForTheDisk(orm);
    await orm.migrator.up();
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}

/** The embedded default: a SQLite file at any path (or `sqlite:` and a path). */
const sqliteBackend: CatalogBackend = { handles: () => true, assertUsable: assertSqliteFile, open: openSqliteCatalog };

/**
 * A PostgreSQL server, `postgres://user:password@host:port/database` (see openPostgresCatalog): the
 * server is asked when the catalog is opened (unreachable, a wrong password, no such database: an
 * InputError naming the URL without its password); a database of another application is refused untouched.
 */
const postgresBackend: CatalogBackend = {
  handles: isPostgresUrl,
  assertUsable: () => undefined,
  // imported when used: the PostgreSQL driver is a chunk of its own in the command line's bundle
  open: async (url) => {
    const { openPostgresCatalog } = await import('./open-postgres-catalog.ts');
    return openPostgresCatalog({ url, entities: catalogEntities }, (tables) => refuseForeignTables(tables, url));
  },
};

/** The first backend that handles a location opens it; SQLite, last, takes any path. */
const BACKENDS: readonly CatalogBackend[] = [postgresBackend, sqliteBackend];

function catalogBackendFor(location: string): CatalogBackend {
  return BACKENDS.find((backend) => backend.handles(location)) ?? sqliteBackend;
}

/** Refuses, before anything is written, a catalog location that cannot hold a catalog (see `CatalogBackend.assertUsable`). */
export function assertCatalogLocation(location: string): void {
  catalogBackendFor(location).assertUsable(location);
}

export interface OpenCatalogOptions {
  readonly dbPath?: string;
}

/** Opens the catalog at `dbPath` with the backend that handles it (see `CatalogBackend`). */
export function openCatalog({ dbPath = DEFAULTS.dbPath }: OpenCatalogOptions = {}): Promise<CatalogOrm> {
  return catalogBackendFor(dbPath).open(dbPath);
}
