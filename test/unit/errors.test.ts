import { expect, it } from 'vitest';
import { launchBrowser } from '../../src/discovery/browser.ts';
import { BrowserError, DraydogError, InputError, isUsersToFix, UsageError } from '../../src/errors.ts';
import { parseDate } from '../../src/frame/time.ts';

it("errors draydog throws carry a code, and the input errors are the user's to fix", () => {
  const error = (() => {
    try {
      parseDate('2025-02-30');
    } catch (caught) {
      return caught;
    }
  })();
  expect(error).toBeInstanceOf(DraydogError);
  expect(error).toMatchObject({ name: 'InputError', code: 'ERR_INPUT', message: 'invalid date "2025-02-30": no such day' });
  expect(isUsersToFix(new UsageError('unknown argument: x'))).toBe(true);
  expect(isUsersToFix(new BrowserError('cannot start'))).toBe(false);
  expect(isUsersToFix(new Error('ENOSPC'))).toBe(false);
  expect(new InputError('x', { cause: 'why' }).cause).toBe('why');
});

it("a browser that fails to start keeps the launcher's error as the cause", async () => {
  const underneath = new Error('spawn EACCES\nmore lines');
  const importer = async () => ({ chromium: { launch: async () => Promise.reject(underneath) } });
  const failure = await launchBrowser({ executablePath: process.execPath, importer }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(BrowserError);
  expect(failure).toMatchObject({
    code: 'ERR_BROWSER',
    message: `cannot start the browser "${process.execPath}": spawn EACCES`,
    cause: underneath,
  });
});
