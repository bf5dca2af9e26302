import { existsSync } from 'node:fs';
import type { SqlMikroORM } from '@mikro-orm/sqlite';

/** An open catalog, on SQLite or on PostgreSQL: the same entities, tables and queries on both. */
export type CatalogOrm = SqlMikroORM;

/** Whether `--db` names a PostgreSQL server (`postgres://` or `postgresql://`) rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(db);
}

/** The SQLite file `--db` names: a path, or `sqlite:` and a path. */
export function sqlitePathOf(db: string): string {
  return db.replace(/^sqlite:/i, '');
}

/** The catalog as it may be shown in logs, reports and errors: a PostgreSQL URL without its password. */
export function shownCatalog(db: string): string {
  return isPostgresUrl(db) ? withoutPassword(db) : db;
}

/** A server URL (PostgreSQL, Redis) with its password replaced by `***`, fit for logs and errors. */
export function withoutPassword(db: string): string {
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return db.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, '$1:***@');
  }
}

/** Whether the catalog is there to read: a SQLite file that exists; a server is asked when it is opened. */
export function catalogExists(db: string): boolean {
  return isPostgresUrl(db) || existsSync(sqlitePathOf(db));
}
