import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/sqlite';
import { InputError } from '../frame-time.ts';
import { isPostgresUrl, shownCatalog, sqlitePathOf, type CatalogOrm } from './catalog-location.ts';
import { CATALOG_MIGRATIONS, MIGRATIONS_TABLE } from './catalog-migrations.ts';
import { Image } from './image-entity.ts';
import { DiscoveredDay } from './discovery-cache.ts';
import { MissingFrame } from './missing-frame-entity.ts';
import { openPostgresCatalog } from './open-postgres-catalog.ts';

export const DEFAULT_DB_PATH = 'data/draydog.sqlite';

const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');

const catalogEntities = [Image, MissingFrame, DiscoveredDay];

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
    throw new InputError(`invalid database "${shownCatalog(db)}": not a draydog catalog (it holds ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); left untouched`);
  }
}

async function sqliteTables(orm: MikroORM): Promise<string[]> {
  const tables = await orm.em
    .getConnection()
    .execute<{ name: string }[]>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name");
  return tables.map(({ name }) => name);
}

/** Refuses a file that exists and is not an (empty or) SQLite database, without touching it; a PostgreSQL URL is checked when opened. */
export function assertSqliteFile(db: string): void {
  if (isPostgresUrl(db)) return;
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

export interface OpenCatalogOptions {
  readonly dbPath?: string;
}

/**
 * A MikroORM instance on a catalog: `dbPath` is a SQLite file (a path, or `sqlite:` and a path) or a
 * PostgreSQL server (`postgres://user:password@host:port/database`, see openPostgresCatalog). A SQLite
 * file and its folder are created. The migrations the catalog has not had yet are run; they only add,
 * so tables and columns of the user's own are kept; a database of another application is refused untouched.
 */
export async function openCatalog({ dbPath = DEFAULT_DB_PATH }: OpenCatalogOptions = {}): Promise<CatalogOrm> {
  if (isPostgresUrl(dbPath)) return openPostgresCatalog({ url: dbPath, entities: catalogEntities }, (tables) => refuseForeignTables(tables, dbPath));
  assertSqliteFile(dbPath);
  const path = sqlitePathOf(dbPath);
  mkdirSync(dirname(path), { recursive: true });
  const orm = await MikroORM.init(catalogConfig(path));
  try {
    refuseForeignTables(await sqliteTables(orm), path);
    await orm.migrator.up();
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
