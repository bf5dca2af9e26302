import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRAYDOG_BIN } from '../support/cli.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/** Loaded before the program: once it is done, allocates as a long download does (much garbage, some of it surviving) and prints the young generation's size in MB. */
const allocateAtExit = `
import { getHeapSpaceStatistics } from 'node:v8';
process.on('exit', () => {
  const kept = [];
  for (let i = 0; i < 1_500_000; i += 1) {
    kept.push({ i, name: 'frame ' + i });
    if (kept.length > 20_000) kept.splice(0, 10_000);
  }
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  process.stderr.write(String(newSpace.space_size / 1e6));
});
`;

/** Runs `node --import <preload> <args>` and answers the number the preload printed on stderr. */
function printedByPreload(preloadSource: string, args: readonly string[]): number {
  const preload = join(tempDir(), 'measure-at-exit.mjs');
  writeFileSync(preload, preloadSource);
  const run = spawnSync(process.execPath, ['--import', preload, ...args], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stderr);
}

const youngGenerationMb = (args: readonly string[]) => printedByPreload(allocateAtExit, args);

/** Loaded before the program: once it is done, replaces a live set of about 15 MB over and over and prints the old generation's peak size in MB. */
const churnAtExit = `
import { getHeapSpaceStatistics } from 'node:v8';
process.on('exit', () => {
  const live = new Array(100_000);
  let peak = 0;
  for (let i = 0; i < 4_000_000; i += 1) {
    live[i % live.length] = { i, name: 'frame ' + i, parts: [i, i + 1, i + 2] };
    if (i % 10_000 === 0) peak = Math.max(peak, getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_size);
  }
  process.stderr.write(String(peak / 1e6));
});
`;

/** The command line as bin/draydog.js starts it, with the young generation's setting alone. */
const youngGenerationSettingOnly = (entry: string) => `
import module from 'node:module';
import v8 from 'node:v8';
import { cliEntry } from ${JSON.stringify(pathToFileURL(entry).href)};
module.enableCompileCache?.();
v8.setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import(cliEntry().url.href);
process.exitCode = await main(process.argv.slice(2));
`;

const oldGenerationPeakMb = (args: readonly string[]) => printedByPreload(churnAtExit, args);

describe('bin/draydog.js', () => {
  it("keeps V8's young generation at its first size, where a plain Node grows it with the allocation", () => {
    expect(youngGenerationMb(['-e', ''])).toBeGreaterThan(8);
    expect(youngGenerationMb([DRAYDOG_BIN, '--version'])).toBeLessThan(4);
  });

  it('lets the old generation grow to about twice what survives a full collection, not four times', () => {
    const launcher = join(tempDir(), 'young-generation-setting-only.mjs');
    writeFileSync(launcher, youngGenerationSettingOnly(join(dirname(DRAYDOG_BIN), 'entry.js')));
    // what the small young generation promotes early dies in the old one: 133 MB at its peak with the young setting alone, 62 MB with both
    const youngOnly = oldGenerationPeakMb([launcher, '--version']);
    expect(oldGenerationPeakMb([DRAYDOG_BIN, '--version'])).toBeLessThan(youngOnly * 0.75);
  });
});
