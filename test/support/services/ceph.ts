import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, serviceDir, warnSkipped } from './service-dirs.ts';

const run = promisify(execFile);
const binaries = ['ceph', 'ceph-authtool', 'monmaptool', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin'];
const binDir = '/usr/bin';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * Whether the S3 tests of `testFile` can run: Ceph's monitor, OSD and RADOS gateway are installed.
 * When they are not, one line says that those tests are skipped and what to install.
 */
export function s3ForTests(testFile: string): boolean {
  const missing = binaries.filter((name) => !existsSync(join(binDir, name)));
  if (missing.length === 0) return true;
  warnSkipped(testFile, 'S3', `no ${missing.join(', ')} in ${binDir} (apt-get install -y radosgw ceph-mon ceph-osd)`);
  return false;
}

/** Resolves once something accepts connections on the loopback `port`; fails after `timeoutMs`. */
async function untilListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Starts a single-node Ceph cluster of its own in a temporary folder (one monitor, one OSD that keeps
 * its objects in memory, no manager) and a RADOS gateway on a free loopback port, with an S3 user.
 * Takes 15-20 s and about 1 GB of memory: start it only in the test files that need it.
 */
export async function startS3(): Promise<S3Server> {
  const dir = serviceDir('ceph');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'ceph.conf');
  const fsid = randomUUID();
  const osdUuid = randomUUID();
  for (const folder of ['mon', 'osd', 'rgw', 'run', 'log']) mkdirSync(join(dir, folder));
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${join(dir, 'admin.keyring')}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
ms bind msgr2 = false
run dir = ${join(dir, 'run')}
pid file = ${join(dir, 'run', '$name.pid')}
admin socket = ${join(dir, 'run', '$name.asok')}
log file = ${join(dir, 'log', '$name.log')}
[mon.a]
mon data = ${join(dir, 'mon')}
[osd.0]
osd data = ${join(dir, 'osd')}
osd objectstore = memstore
keyring = ${join(dir, 'osd', 'keyring')}
[client.rgw.a]
keyring = ${join(dir, 'rgw.keyring')}
rgw data = ${join(dir, 'rgw')}
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`,
  );
  const ceph = (command: string, ...args: string[]) => run(join(binDir, command), ['-c', conf, ...args], { timeout: 60_000 });
  const pidOf = (name: string) => Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8'));
  const stop = async () => {
    for (const name of ['client.rgw.a', 'osd.0', 'mon.a']) {
      try {
        process.kill(pidOf(name), 'SIGKILL');
      } catch {
        // not started, or gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
  const secretAccessKey = randomBytes(20).toString('hex');
  try {
    const monKeyring = join(dir, 'mon.keyring');
    await run(join(binDir, 'ceph-authtool'), ['--create-keyring', monKeyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run(join(binDir, 'ceph-authtool'), [
      '--create-keyring',
      join(dir, 'admin.keyring'),
      '--gen-key',
      '-n',
      'client.admin',
      '--cap',
      'mon',
      'allow *',
      '--cap',
      'osd',
      'allow *',
      '--cap',
      'mgr',
      'allow *',
    ]);
    await run(join(binDir, 'ceph-authtool'), [monKeyring, '--import-keyring', join(dir, 'admin.keyring')]);
    await run(join(binDir, 'monmaptool'), ['--create', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await ceph('ceph-mon', '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', monKeyring);
    await ceph('ceph-mon', '-i', 'a');
    await ceph('ceph', 'osd', 'new', osdUuid, '0');
    await ceph('ceph', 'auth', 'get-or-create', 'osd.0', 'mon', 'allow profile osd', 'osd', 'allow *', '-o', join(dir, 'osd', 'keyring'));
    await ceph('ceph-osd', '-i', '0', '--mkfs', '--osd-uuid', osdUuid);
    await ceph('ceph', 'osd', 'crush', 'add', 'osd.0', '1.0', 'root=default');
    await ceph('ceph-osd', '-i', '0');
    const deadline = Date.now() + 60_000;
    while (!/1 up/.test((await ceph('ceph', 'osd', 'stat')).stdout)) {
      if (Date.now() > deadline) throw new Error('the OSD did not come up within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await ceph('ceph', 'auth', 'get-or-create', 'client.rgw.a', 'mon', 'allow rw', 'osd', 'allow rwx', '-o', join(dir, 'rgw.keyring'));
    await ceph('radosgw', '-n', 'client.rgw.a');
    await untilListening(rgwPort, 60_000);
    await ceph(
      'radosgw-admin',
      'user',
      'create',
      '--uid',
      'draydog',
      '--display-name',
      'draydog tests',
      '--access-key',
      accessKeyId,
      '--secret',
      secretAccessKey,
    );
  } catch (error) {
    const logs = ['mon.a', 'osd.0', 'client.rgw.a']
      .map((name) => join(dir, 'log', `${name}.log`))
      .filter((path) => existsSync(path))
      .map((path) => `${path}:\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`);
    await stop();
    throw new Error(`Ceph did not start: ${(error as Error).message}\n${logs.join('\n')}`);
  }
  return { endpoint: `http://127.0.0.1:${rgwPort}`, accessKeyId, secretAccessKey, stop };
}
