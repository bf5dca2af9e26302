import { existsSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/sqlite';
import { InputError } from '../errors.ts';
import { isPostgresUrl, shownCatalog, type CatalogOrm } from '../catalog/catalog-location.ts';
import { assertCatalogLocation, catalogConfig, catalogEntities } from '../catalog/open-catalog.ts';

/** What the dashboard reads: frames, and the CDN's answers of this version and of earlier ones. */
const TABLES_READ = ['images', 'cdn_missing_frames', 'missing_frames'];

/** A SQLite file opened read-only: SQLite refuses any write on such a connection. */
async function openSqliteReadOnly(dbPath: string): Promise<{ orm: CatalogOrm; tables: () => Promise<string[]> }> {
  if (!existsSync(dbPath)) throw new InputError(`invalid --db "${dbPath}": no catalog there`);
  assertCatalogLocation(dbPath);
  const orm = await MikroORM.init({ ...catalogConfig(dbPath), driverOptions: { readonly: true, fileMustExist: true } });
  const tables = async () =>
    (await orm.em.getConnection().execute<{ name: string }[]>("select name from sqlite_master where type = 'table'")).map(
      ({ name }) => name,
    );
  return { orm, tables };
}

/** A PostgreSQL catalog opened read-only; its driver is imported only here, a chunk of its own in the command line's bundle. */
async function openPostgresReadOnly(url: string): Promise<{ orm: CatalogOrm; tables: () => Promise<string[]> }> {
  const { openPostgresCatalogReadOnly, tablesOf } = await import('../catalog/open-postgres-catalog.ts');
  const orm = await openPostgresCatalogReadOnly({ url, entities: catalogEntities });
  return { orm, tables: () => tablesOf(orm) };
}

/**
 * The catalog at `db` (a SQLite file, or a PostgreSQL URL) opened read-only: nothing is created,
 * migrated or written (the database refuses any write on such a connection). A database that is not
 * a draydog catalog of this version is refused.
 */
export async function openCatalogReadOnly(db: string): Promise<CatalogOrm> {
  const { orm, tables } = isPostgresUrl(db) ? await openPostgresReadOnly(db) : await openSqliteReadOnly(db);
  try {
    const present = await tables();
    const missing = TABLES_READ.filter((table) => !present.includes(table));
    if (missing.length > 0) {
      throw new InputError(
        `invalid --db "${shownCatalog(db)}": not a draydog catalog of this version (no table ${missing.join(', ')}); a download or verify with it upgrades it`,
      );
    }
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
