import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRAYDOG_BIN } from '../support/cli.ts';

// The system's Node on these machines is 20: what a user gets who runs bin/draydog.js with it.
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const tooOld = /^v(\d+)\.(\d+)/.exec(systemVersion);
const systemNodeTooOld = tooOld !== null && (Number(tooOld[1]) < 22 || (Number(tooOld[1]) === 22 && Number(tooOld[2]) < 19));

describe('bin/draydog.js on a Node older than 22.19', () => {
  it.skipIf(!systemNodeTooOld)(`says in one line which Node it needs (${SYSTEM_NODE} is ${systemVersion || 'absent'})`, () => {
    const run = spawnSync(SYSTEM_NODE, [DRAYDOG_BIN, 'download', '--from', '2025-09-01', '--dry-run'], { encoding: 'utf8' });
    expect([run.status, run.stdout], run.stderr).toEqual([1, '']);
    expect(run.stderr).toBe(
      `draydog: needs Node 22.19 or newer, this is Node ${systemVersion.slice(1)} (in a clone of draydog, npx draydog runs the Node 24 of its devDependencies)\n`,
    );
  });
});
