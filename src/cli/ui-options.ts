import type { Argv } from 'yargs';
import type { UiSettings } from '../dashboard/start-dashboard.ts';
import { wholeNumber } from './options.ts';

const port = wholeNumber('--ui', 0, 65_535);

/** `--ui [PORT]` (a bare `--ui` picks a free port) and `--ui-host`. */
export function uiOptions<T>(yargs: Argv<T>) {
  return (
    yargs
      // no type: a bare --ui is `true` (a string option would make it "", which is refused as an unset variable)
      .option('ui', {
        describe:
          'Serve a live dashboard of the run (with /api/state and /metrics) on PORT, a free one without PORT; its URL is printed at start',
        coerce: (raw: unknown): number | undefined => (raw === undefined ? undefined : raw === true ? 0 : port(raw)),
      })
      .option('ui-host', {
        type: 'string',
        default: '127.0.0.1',
        describe:
          'Address the dashboard listens on; beyond loopback every request needs a token (DRAYDOG_UI_TOKEN, else one printed once at start)',
      })
  );
}

/** Where `--ui` asks the dashboard to listen, if it does. */
export function uiSettingsOf(args: { readonly ui?: number; readonly uiHost: string }): UiSettings | undefined {
  return args.ui === undefined ? undefined : { port: args.ui, host: args.uiHost };
}
