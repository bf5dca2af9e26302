import { relative } from 'node:path';
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
