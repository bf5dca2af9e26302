// `npm test` on a machine without Chromium: the browser tests skip, each file saying in one line what
// to install, rather than failing in their setup. Run here by hiding the browser behind DRAYDOG_BROWSER.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const BROWSER_TESTS = ['test/e2e/discover-browser.test.ts', 'test/e2e/html-report-browser.test.ts'];

it('the browser tests skip with one line naming what to install when there is no Chromium', () => {
  const results = join(mkdtempSync(join(tmpdir(), 'draydog-browser-skip-')), 'results.json');
  // a vitest of its own, not one that believes it runs inside this one
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  try {
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        ...BROWSER_TESTS,
        '--reporter=default',
        '--reporter=json',
        `--outputFile=${results}`,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...env, DRAYDOG_BROWSER: '/no/such/chromium', CI: '1' },
      },
    );

    expect(run.status, run.stderr).toBe(0);
    const output = `${run.stdout}\n${run.stderr}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    for (const file of BROWSER_TESTS) {
      const said = output.split('\n').filter((line) => line.startsWith(`${file}: browser tests skipped`));
      expect(said, output).toEqual([
        `${file}: browser tests skipped: invalid DRAYDOG_BROWSER "/no/such/chromium": no executable browser there; install Chromium (apt-get install -y chromium) or name a Chromium or Chrome binary with --browser-path or DRAYDOG_BROWSER`,
      ]);
    }
    const report = JSON.parse(readFileSync(results, 'utf8'));
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(0);
    expect(report.numPendingTests).toBeGreaterThan(20);
  } finally {
    rmSync(resolve(results, '..'), { recursive: true, force: true });
  }
}, 120_000);
