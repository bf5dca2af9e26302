import { expect, it } from 'vitest';
import { DEFAULTS, RANGES, resolveFetchSettings } from '../../src/settings.ts';

it('resolves the fetch settings given over the defaults, an undefined one taking the default', () => {
  const settings = resolveFetchSettings({ concurrency: 32, retries: undefined, ratePerSecond: 5 });
  expect(settings).toMatchObject({
    concurrency: 32,
    retries: DEFAULTS.retries,
    ratePerSecond: 5,
    terminal: 'apm',
    streams: ['in_gate', 'out_gate'],
  });
  expect(settings.bytesPerSecond).toBeUndefined();
});

it.each([
  [{ concurrency: 0 }, 'invalid concurrency (--concurrency) "0": expected a whole number from 1 to 256'],
  [{ concurrency: 2.5 }, 'invalid concurrency (--concurrency) "2.5": expected a whole number from 1 to 256'],
  [{ retries: 21 }, 'invalid retries (--retries) "21": expected a whole number from 0 to 20'],
  [{ ratePerSecond: 0 }, 'invalid ratePerSecond (--rate) "0": expected a number >= 0.001'],
  [{ bytesPerSecond: 10 }, 'invalid bytesPerSecond (--bandwidth) "10": expected a number >= 1024'],
  [{ timeoutMs: 2 ** 31 }, `invalid timeoutMs (--timeout) "${2 ** 31}": expected a whole number from 1 to ${2 ** 31 - 1}`],
  [{ maxFrameBytes: 100 }, `invalid maxFrameBytes (--max-frame-size) "100": expected a number from 1024 to ${RANGES.maxFrameBytes.max}`],
])('refuses %o naming the setting', (given, message) => {
  expect(() => resolveFetchSettings(given)).toThrow(message);
});
