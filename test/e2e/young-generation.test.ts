import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

function youngGenerationMb(args: readonly string[]): number {
  const preload = join(tempDir(), 'allocate-at-exit.mjs');
  writeFileSync(preload, allocateAtExit);
  const run = spawnSync(process.execPath, ['--import', preload, ...args], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stderr);
}

describe('bin/draydog.js', () => {
  it("keeps V8's young generation at its first size, where a plain Node grows it with the allocation", () => {
    expect(youngGenerationMb(['-e', ''])).toBeGreaterThan(8);
    expect(youngGenerationMb([DRAYDOG_BIN, '--version'])).toBeLessThan(4);
  });
});
