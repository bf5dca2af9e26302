import { statSync } from 'node:fs';
import type { EntityClass, MikroORM, RequiredEntityData } from '@mikro-orm/sqlite';
import type { Database, Statement } from 'better-sqlite3';

/**
 * Inserts rows in one transaction through a statement prepared once per table, shape and conflict
 * rule; a row whose `keys` are already there updates `fields` of it. MikroORM 7 writes every value
 * into the SQL text, so each statement of its query builder is formatted, then parsed by SQLite
 * anew: 16,000 rows/s for the catalog sink, most of it in formatting, `prepare` and key renaming.
 * Here the values are bound to the one prepared statement. Column and table names come from the
 * entity's metadata, so the rows are the entity's properties, as for the query builder.
 */
export async function upsertSqliteRows<Entity extends object>(
  orm: MikroORM,
  entity: EntityClass<Entity>,
  rows: readonly RequiredEntityData<Entity>[],
  keys: readonly string[],
  fields: readonly string[],
): Promise<void> {
  if (rows.length === 0) return;
  const database = (await orm.em.getConnection().getNativeClient()) as Database;
  refuseWritesIfMoved(database);
  const properties = Object.keys(rows[0]);
  const statement = preparedUpsert(database, orm, entity, properties, keys, fields);
  const upsertAll = database.transaction((batch: readonly object[]) => {
    for (const row of batch) statement.run(properties.map((property) => (row as Record<string, unknown>)[property] ?? null));
  });
  upsertAll(rows);
}

const inodeByDatabase = new WeakMap<Database, number>();

/**
 * In WAL mode SQLite goes on committing into a catalog file that was deleted or replaced under it
 * (a rollback journal refuses, as a readonly database), so a run would lose its rows without a word.
 * Once the file at the catalog's path is gone or another one, the connection is made query-only, and
 * SQLite refuses the write as it did with the rollback journal.
 */
function refuseWritesIfMoved(database: Database): void {
  const inode = statSync(database.name, { throwIfNoEntry: false, bigint: false })?.ino;
  const first = inodeByDatabase.get(database) ?? inode;
  if (first !== undefined) inodeByDatabase.set(database, first);
  if (inode === undefined || inode !== first) database.pragma('query_only = 1');
}

const preparedByDatabase = new WeakMap<Database, Map<string, Statement>>();

function preparedUpsert(
  database: Database,
  orm: MikroORM,
  entity: EntityClass<object>,
  properties: readonly string[],
  keys: readonly string[],
  fields: readonly string[],
): Statement {
  const meta = orm.getMetadata().get(entity);
  const cacheKey = JSON.stringify([meta.tableName, properties, keys, fields]);
  const prepared = preparedByDatabase.get(database) ?? new Map<string, Statement>();
  preparedByDatabase.set(database, prepared);
  const kept = prepared.get(cacheKey);
  if (kept) return kept;
  const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;
  const column = (property: string) => {
    const fieldName = (meta.properties as Record<string, { fieldNames?: string[] } | undefined>)[property]?.fieldNames?.[0];
    if (!fieldName) throw new Error(`${meta.className} has no column for "${property}"`);
    return quote(fieldName);
  };
  const sql =
    `insert into ${quote(meta.tableName)} (${properties.map(column).join(', ')}) values (${properties.map(() => '?').join(', ')}) ` +
    `on conflict (${keys.map(column).join(', ')}) do update set ${fields.map((field) => `${column(field)} = excluded.${column(field)}`).join(', ')}`;
  const statement = database.prepare(sql);
  prepared.set(cacheKey, statement);
  return statement;
}
