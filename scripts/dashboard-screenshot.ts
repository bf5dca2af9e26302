// `node scripts/dashboard-screenshot.ts [PATH]`: the README's picture of the dashboard (docs/dashboard.png),
// taken in headless Chromium halfway through the demo's download (`npm run demo -- --ui`) into a
// temporary folder. Needs Chromium (apt-get install -y chromium) and playwright-core; no internet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { chromium } from 'playwright-core';
import { main } from '../src/cli.ts';
import { resolveBrowserPath } from '../src/discovery/browser.ts';
import { startSimulator } from '../src/simulator/index.ts';

const target = resolve(process.argv[2] ?? 'docs/dashboard.png');
const work = mkdtempSync(join(tmpdir(), 'draydog-screenshot-'));
const simulator = await startSimulator({ seed: 7, timing: 'grid', faults: 'mild', missing: 0.1, latencyMs: 150 });
let logged = '';
const stderr = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged += chunk.toString('utf8');
    done();
  },
});
const browser = await chromium.launch({
  executablePath: resolveBrowserPath(undefined, process.env),
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const run = main(
    [
      'download',
      '--from',
      '2025-09-06',
      '--to',
      '2025-09-07',
      '--base-url',
      simulator.url,
      '--out',
      join(work, 'images'),
      '--db',
      join(work, 'draydog.sqlite'),
      '--retry-delay',
      '200',
      '--ui',
    ],
    { stdout: process.stdout, stderr, env: { ...process.env, CI: '1' } },
  );
  while (!/dashboard at (\S+?);/.test(logged)) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
  await page.goto(/dashboard at (\S+?);/.exec(logged)![1]);
  // about half of the 576 frames, with a failure or two and some of the heatmap filled
  while (Number((await page.textContent('#done'))?.replace(/,/g, '')) < 300) await page.waitForTimeout(200);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: target, fullPage: true });
  process.stderr.write(`screenshot: ${target}\n`);
  await run;
} finally {
  await browser.close();
  await simulator.close();
  rmSync(work, { recursive: true, force: true });
}
