import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineConfig, MikroORM } from '@mikro-orm/sqlite';
import { InputError } from '../frame-time.ts';
import { Image } from './image-entity.ts';
import { DiscoveredDay } from './discovery-cache.ts';
import { MissingFrame } from './missing-frame-entity.ts';

export const DEFAULT_DB_PATH = 'data/draydog.sqlite';

const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');

export function catalogConfig(dbPath: string) {
  return defineConfig({ dbName: dbPath, entities: [Image, MissingFrame, DiscoveredDay], debug: false, allowGlobalContext: false });
}

/** Refuses a file that exists and is not an (empty or) SQLite database, without touching it. */
export function assertSqliteFile(dbPath: string): void {
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

/** A MikroORM instance on a SQLite catalog; the file and its folder are created, the schema brought up to date. */
export async function openCatalog({ dbPath = DEFAULT_DB_PATH }: OpenCatalogOptions = {}): Promise<MikroORM> {
  assertSqliteFile(dbPath);
  mkdirSync(dirname(dbPath), { recursive: true });
  const orm = await MikroORM.init(catalogConfig(dbPath));
  try {
    await orm.schema.update();
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
