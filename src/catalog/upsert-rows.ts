import { SqlitePlatform, type EntityClass, type MikroORM, type RequiredEntityData } from '@mikro-orm/sqlite';
import type { CatalogOrm } from './catalog-location.ts';
import { upsertSqliteRows } from './sqlite-upsert.ts';

/** Keeps a statement's bound values well under the database's limit. */
const rowsPerStatement = 1000;

/**
 * Inserts rows in one transaction; a row whose `keys` are already there updates `fields` of it. On
 * SQLite through one prepared native statement (see sqlite-upsert.ts); on PostgreSQL through
 * MikroORM's query builder in chunks.
 */
export function upsertRows<Entity extends object>(
  orm: CatalogOrm,
  entity: EntityClass<Entity>,
  rows: readonly RequiredEntityData<Entity>[],
  keys: readonly string[],
  fields: readonly string[],
): Promise<void> {
  if (orm.em.getPlatform() instanceof SqlitePlatform) return upsertSqliteRows(orm as unknown as MikroORM, entity, rows, keys, fields);
  return upsertWithQueryBuilder(orm, entity, rows, keys, fields);
}

async function upsertWithQueryBuilder<Entity extends object>(
  orm: CatalogOrm,
  entity: EntityClass<Entity>,
  rows: readonly RequiredEntityData<Entity>[],
  keys: readonly string[],
  fields: readonly string[],
): Promise<void> {
  if (rows.length === 0) return;
  // one row per key (PostgreSQL refuses a statement that updates a row twice), in key order, so that
  // runs writing one PostgreSQL catalog at once lock rows in the same order and never deadlock
  const byKey = new Map(rows.map((row) => [JSON.stringify(keys.map((key) => (row as Record<string, unknown>)[key])), row]));
  const ordered = [...byKey.keys()].sort().map((key) => byKey.get(key)!);
  await orm.em.fork().transactional(async (em) => {
    for (let start = 0; start < ordered.length; start += rowsPerStatement) {
      await em
        .createQueryBuilder(entity)
        .insert(ordered.slice(start, start + rowsPerStatement))
        .onConflict([...keys] as never)
        .merge([...fields] as never)
        .execute();
    }
  });
}
