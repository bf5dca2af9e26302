import { setTimeout as sleep } from 'node:timers/promises';
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
  const upsertAll = () =>
    orm.em.fork().transactional(async (em) => {
      for (let start = 0; start < ordered.length; start += rowsPerStatement) {
        await em
          .createQueryBuilder(entity)
          .insert(ordered.slice(start, start + rowsPerStatement))
          .onConflict([...keys] as never)
          .merge([...fields] as never)
          .execute();
      }
    });
  // the upsert is idempotent and its transaction all or nothing, so a session the server dropped mid-way
  // (a restart, a failover, an administrator) is tried again on a new connection: a blip, not a failed run
  for (let waitMs = FIRST_RECONNECT_MS; ; waitMs *= 2) {
    try {
      return await upsertAll();
    } catch (error) {
      if (!isConnectionLost(error) || waitMs > LAST_RECONNECT_MS) throw error;
      await sleep(waitMs);
    }
  }
}

const FIRST_RECONNECT_MS = 250;
/** Waits of 0.25, 0.5, … 8 s: about 16 s in all (a restart, a failover) before the error is the run's. */
const LAST_RECONNECT_MS = 8000;

/** Whether PostgreSQL (or the network) ended the session: the server shut down or restarted, or the session was terminated. */
function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^57P0[1-3]$/.test(code) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(code))) return true;
  return (
    typeof message === 'string' && /Connection terminated|terminating connection|Client has encountered a connection error/i.test(message)
  );
}
