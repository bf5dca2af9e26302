import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, serviceDir, warnSkipped } from './service-dirs.ts';

const run = promisify(execFile);

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Runs one command with redis-cli, outside draydog; what it printed, trimmed. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function redisServerBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the Redis tests of `testFile` can run: `redis-server` is installed. When it is not, one line
 * says that those tests are skipped and what to install.
 */
export function redisForTests(testFile: string): boolean {
  if (redisServerBinary()) return true;
  warnSkipped(testFile, 'Redis', 'no redis-server on PATH (apt-get install -y redis-server)');
  return false;
}

/**
 * Starts a Redis server of its own on a free loopback port (or on `port`, e.g. to bring back one that was
 * stopped), without persistence, with BullMQ's required `maxmemory-policy noeviction`, in a temporary
 * folder removed by `stop`.
 */
export async function startRedis({ port: wantedPort }: { port?: number } = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('no redis-server on PATH');
  const dir = serviceDir('redis');
  const port = wantedPort ?? (await freePort());
  const logFile = join(dir, 'redis.log');
  const pidFile = join(dir, 'redis.pid');
  const cli = async (...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
  await run(binary, [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--logfile',
    logFile,
  ]);
  for (let attempt = 0; ; attempt += 1) {
    const pong = await cli('ping').catch(() => '');
    if (pong === 'PONG') break;
    if (attempt === 100) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Redis did not start on port ${port}\n${log}`);
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    cli,
    async stop() {
      await cli('shutdown', 'nosave').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
