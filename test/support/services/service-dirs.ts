import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** uid and gid of a system user, or undefined when there is no such user. */
export function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim()));
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** A fresh temporary folder for one service, owned by `owner` when given (a daemon that refuses to run as root). */
export function serviceDir(service: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `draydog-${service}-`));
  if (owner && userInfo().uid !== owner.uid) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** One loud line saying which tests of `testFile` are skipped and why, as the browser tests do. */
export function warnSkipped(testFile: string, what: string, why: string): void {
  console.warn(`${relative(process.cwd(), testFile)}: ${what} tests skipped: ${why}`);
}
