import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { resolveBrowserPath } from '../../src/discovery/browser.ts';

/**
 * The Chromium the browser tests of `testFile` run, as draydog would pick it; when there is none, one
 * line says that they are skipped and what to install, and the tests skip instead of failing.
 */
export function browserForTests(testFile: string): string | undefined {
  try {
    return resolveBrowserPath(undefined, process.env);
  } catch (error) {
    console.warn(`${relative(process.cwd(), testFile)}: browser tests skipped: ${(error as Error).message}`);
    return undefined;
  }
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where browser tests keep their screenshots for a person to look at (git-ignored). */
export const ARTIFACTS = resolve('test-artifacts');

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A temporary folder of the test file's, removed by `close`. */
  readonly root: string;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (nothing cached, nothing from an earlier run), a 1400 x 900 window, in UTC. */
export async function openTestBrowser(executablePath: string, name: string): Promise<TestBrowser> {
  const root = mkdtempSync(join(tmpdir(), `draydog-${name}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
    timezoneId: 'UTC',
  });
  return {
    context,
    root,
    close: async () => {
      await context.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
