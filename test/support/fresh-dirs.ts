import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';

/** As many fresh temporary folders as a test file asks for, all removed after its last test. */
export function useFreshDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    made.push(mkdtempSync(join(tmpdir(), prefix)));
    return made.at(-1)!;
  };
}

/** Starts camera simulators for a test, all closed after it. */
export function useSimulators(): (options: SimulatorOptions) => Promise<Simulator> {
  const running: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  });
  return async (options) => {
    running.push(await startSimulator(options));
    return running.at(-1)!;
  };
}
