import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, serviceDir, systemUser, warnSkipped } from './service-dirs.ts';

const run = promisify(execFile);
const installRoot = '/usr/lib/postgresql';

export interface PostgresServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>` without a database. */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** A new empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL in the database at `databaseUrl` with psql, outside draydog; what it printed, trimmed. */
  sql(databaseUrl: string, statement: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's `bin` folder (Debian's layout), or undefined. */
function postgresBin(): string | undefined {
  if (!existsSync(installRoot)) return undefined;
  const majors = readdirSync(installRoot)
    .filter((name) => existsSync(join(installRoot, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(installRoot, majors[0], 'bin');
}

/**
 * Whether the PostgreSQL tests of `testFile` can run: the server's binaries are installed. When they
 * are not, one line says that those tests are skipped and what to install.
 */
export function postgresForTests(testFile: string): boolean {
  if (postgresBin()) return true;
  warnSkipped(testFile, 'PostgreSQL', `no PostgreSQL under ${installRoot} (apt-get install -y postgresql)`);
  return false;
}

/**
 * Starts a PostgreSQL server of its own: a new cluster in a temporary folder, listening on a free
 * loopback port with password authentication (so a wrong password is refused), run as the
 * `postgres` user when this process is root (PostgreSQL refuses to run as root).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(`no PostgreSQL under ${installRoot}`);
  const owner = userInfo().uid === 0 ? systemUser('postgres') : undefined;
  if (userInfo().uid === 0 && !owner) throw new Error('running as root, and there is no postgres user to run PostgreSQL as');
  const asOwner = (command: string, args: string[]) =>
    owner ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : run(join(bin, command), args);
  const dir = serviceDir('postgres', owner);
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  const passwordFile = join(dir, 'password');
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o644 });
  mkdirSync(sockets);
  if (owner) await run('chown', [`${owner.uid}:${owner.gid}`, sockets, passwordFile]);
  const started = async () => {
    await asOwner('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${passwordFile}`,
    ]);
    await asOwner('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  };
  try {
    await started();
  } catch (error) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}`;
  return {
    url,
    port,
    password,
    async createDatabase(name) {
      await run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name], {
        env: { ...process.env, PGPASSWORD: password },
      });
      return `${url}/${name}`;
    },
    async sql(databaseUrl, statement) {
      const { stdout } = await run(join(bin, 'psql'), ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', statement, databaseUrl]);
      return stdout.trim();
    },
    async stop() {
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
