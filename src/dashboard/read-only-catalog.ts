import { existsSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/sqlite';
import { InputError } from '../errors.ts';
import { assertCatalogLocation, catalogConfig } from '../catalog/open-catalog.ts';

/** What the dashboard reads: frames, and the CDN's answers of this version and of earlier ones. */
const TABLES_READ = ['images', 'cdn_missing_frames', 'missing_frames'];

/**
 * The catalog at `dbPath` opened read-only: nothing is created, migrated or written (SQLite refuses
 * any write on such a connection). A file that is not a draydog catalog of this version is refused.
 */
export async function openCatalogReadOnly(dbPath: string): Promise<MikroORM> {
  if (!existsSync(dbPath)) throw new InputError(`invalid --db "${dbPath}": no catalog there`);
  assertCatalogLocation(dbPath);
  const orm = await MikroORM.init({ ...catalogConfig(dbPath), driverOptions: { readonly: true, fileMustExist: true } });
  try {
    const rows = await orm.em.getConnection().execute<{ name: string }[]>("select name from sqlite_master where type = 'table'");
    const missing = TABLES_READ.filter((table) => !rows.some(({ name }) => name === table));
    if (missing.length > 0) {
      throw new InputError(
        `invalid --db "${dbPath}": not a draydog catalog of this version (no table ${missing.join(', ')}); a download or verify with it upgrades it`,
      );
    }
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
