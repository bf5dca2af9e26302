import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { InputError } from '../errors.ts';
import { shownCatalog, type CatalogOrm } from './catalog-location.ts';
import { MIGRATIONS_TABLE } from './migrations.ts';
import { POSTGRES_CATALOG_MIGRATIONS } from './postgres-migrations.ts';

/** How long a connection may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The advisory lock that lets one run at a time bring a catalog's schema up to date. */
const MIGRATION_LOCK = 0x64726179; // "dray"

export interface PostgresCatalogOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  readonly entities: readonly (new (...args: never[]) => object)[];
}

export function postgresCatalogConfig({ url, entities }: PostgresCatalogOptions) {
  return defineConfig({
    clientUrl: url,
    entities: [...entities],
    extensions: [Migrator],
    migrations: { migrationsList: POSTGRES_CATALOG_MIGRATIONS, tableName: MIGRATIONS_TABLE, snapshot: false, silent: true },
    driverOptions: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    // a database that does not exist is a mistyped URL, not one to create
    ensureDatabase: false,
    debug: false,
    allowGlobalContext: false,
  });
}

/** PostgreSQL's error codes worth a plain sentence; any other error keeps the server's own words. */
const reasons: Record<string, string> = {
  '28P01': 'the server refused the user name or password',
  '28000': 'the server refused the user name or password',
  '3D000': 'no such database on the server',
  ECONNREFUSED: 'nothing listens there (ECONNREFUSED)',
  ENOTFOUND: 'no such host (ENOTFOUND)',
  EAI_AGAIN: 'no such host (EAI_AGAIN)',
};

/** Why the server could not be used, in words that never hold the password. */
function reasonOf(error: unknown, password: string): string {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const reason =
    (code && reasons[code]) ??
    (/timeout/i.test(message) ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` : `not a PostgreSQL server that answers (${message})`);
  return password ? reason.replaceAll(password, '***') : reason;
}

/** Names the tables of the connection's schema. */
export async function tablesOf(orm: CatalogOrm): Promise<string[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ name: string }[]>(
      "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
    );
  return rows.map(({ name }) => name);
}

/** Connects and checks that the server is PostgreSQL; any failure is bad input naming the URL without its password. */
async function assertReachablePostgres(orm: CatalogOrm, url: string): Promise<void> {
  try {
    const [row] = await orm.em.getConnection().execute<{ version: string }[]>('select version() as version');
    if (!String(row?.version).startsWith('PostgreSQL')) throw new Error(`it says it is ${String(row?.version).slice(0, 40)}`);
  } catch (error) {
    throw new InputError(`invalid database "${shownCatalog(url)}": ${reasonOf(error, decodeURIComponent(new URL(url).password))}`);
  }
}

/** What is used here of the `pg` driver's pool (the driver ships no types). */
interface PgPool {
  connect(): Promise<{ query(sql: string, params: readonly unknown[]): Promise<unknown>; release(): void }>;
}

/** Runs the migrations this catalog has not had yet, one run at a time however many start together. */
async function migrate(orm: CatalogOrm): Promise<void> {
  // a session of its own: an advisory lock belongs to the connection that took it
  const pool = (await orm.em.getConnection().getNativeClient()) as PgPool;
  const session = await pool.connect();
  try {
    await session.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await orm.migrator.up();
  } finally {
    await session.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    session.release();
  }
}

/** How long closing may wait for connections to be given back. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Makes `orm.close()` settle however the server went: the pool waits for every connection to be given
 * back, and one whose server went away in a transaction never is (MikroORM 7.2.1 over kysely and pg),
 * so a run whose server vanished would end with Node's "unsettled top-level await" (exit 13) instead
 * of its error.
 */
function closingWithin(orm: CatalogOrm): CatalogOrm {
  const close = orm.close.bind(orm);
  orm.close = async (force) => {
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    });
    await Promise.race([close(force), givenUp]).finally(() => clearTimeout(timer));
  };
  return orm;
}

/**
 * A MikroORM instance on a PostgreSQL catalog: the server is checked first (an unreachable one, a
 * wrong password, a missing database, a server that is not PostgreSQL: an InputError that names the
 * URL without its password), then the migrations it has not had yet are run.
 */
export async function openPostgresCatalog(options: PostgresCatalogOptions, refuseForeign: (tables: string[]) => void): Promise<CatalogOrm> {
  const orm = closingWithin(await MikroORM.init(postgresCatalogConfig(options)));
  try {
    await assertReachablePostgres(orm, options.url);
    refuseForeign(await tablesOf(orm));
    await migrate(orm);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}

/**
 * A MikroORM instance on a PostgreSQL catalog that can only read: every session is read-only
 * (`default_transaction_read_only`), so the server refuses any write; nothing is created or migrated.
 * The server is checked as by `openPostgresCatalog`.
 */
export async function openPostgresCatalogReadOnly(options: PostgresCatalogOptions): Promise<CatalogOrm> {
  const config = postgresCatalogConfig(options);
  const readOnly = { ...config.driverOptions, options: '-c default_transaction_read_only=on' };
  const orm = closingWithin(await MikroORM.init({ ...config, driverOptions: readOnly }));
  try {
    await assertReachablePostgres(orm, options.url);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
