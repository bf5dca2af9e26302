import type { Argv } from 'yargs';
import type { DiscoverBrowserOptions } from '../sources/discover-frames.ts';
import { DEFAULTS } from '../settings.ts';
import { commaList, wholeNumber } from './options.ts';
import { MAX_TIMER_MS } from '../settings.ts';

// The options several commands share, each declared once.

/** `--from` and `--to`: a range of UTC dates. */
export function dateRangeOptions<T>(yargs: Argv<T>, { toDefault = '--from' }: { toDefault?: string } = {}) {
  return yargs
    .option('from', { type: 'string', describe: 'First date, YYYY-MM-DD (UTC)' })
    .option('to', { type: 'string', describe: `Last date, inclusive${toDefault ? ` (default: ${toDefault})` : ''}` });
}

/** `--streams` and `--terminal`: which cameras. */
export function cameraOptions<T>(yargs: Argv<T>) {
  return terminalOption(yargs).option('streams', {
    type: 'string',
    coerce: commaList,
    default: DEFAULTS.streams.join(','),
    describe: 'Comma-separated streams',
  });
}

export function terminalOption<T>(yargs: Argv<T>) {
  return yargs.option('terminal', {
    type: 'string',
    default: DEFAULTS.terminal,
    describe: 'Terminal the camera belongs to (apm: APM Terminals, Los Angeles)',
  });
}

/** `--db`: the catalog, by default the default one. */
export function catalogOption<T>(yargs: Argv<T>) {
  return yargs.option('db', {
    type: 'string',
    default: DEFAULTS.dbPath,
    describe: 'Catalog: a SQLite file (a path or sqlite:PATH) or PostgreSQL (postgres://user:password@host:port/database)',
  });
}

/** `--db` for a command that uses a catalog only when given one. */
export function optionalCatalogOption<T>(yargs: Argv<T>, describe: string) {
  return yargs.option('db', { type: 'string', describe });
}

/** `--out`: the root of the archive. */
export function archiveOption<T>(yargs: Argv<T>) {
  return yargs.option('out', { type: 'string', default: DEFAULTS.out, describe: 'Root of the image tree' });
}

/** `--out` of a command that fetches frames: a folder or a bucket. */
export function fetchArchiveOption<T>(yargs: Argv<T>) {
  return yargs
    .option('out', {
      type: 'string',
      default: DEFAULTS.out,
      describe: 'Where the frames go: the root of the image tree, or a bucket as s3://bucket/prefix',
    })
    .option('s3-endpoint', {
      type: 'string',
      describe: 'With --out s3://: the S3-compatible server, e.g. http://127.0.0.1:7480 (default: AWS_ENDPOINT_URL, else AWS)',
    })
    .option('s3-path-style', {
      type: 'boolean',
      default: true,
      describe: 'With --out s3://: address the bucket in the path (<endpoint>/<bucket>/<key>); --no-s3-path-style puts it in the host name',
    });
}

/** `--json`: the command's result as one JSON document on stdout. */
export function jsonOption<T>(yargs: Argv<T>, what: string) {
  return yargs.option('json', { type: 'boolean', default: false, describe: `Print ${what} as one JSON document` });
}

/** The history-page options of `discover` and `download --discover`; `when` says when they apply. */
export function historyPageOptions<T>(yargs: Argv<T>, { when = '' }: { when?: string } = {}) {
  return yargs
    .option('page-url', {
      type: 'string',
      default: DEFAULTS.pageUrl,
      describe: `Site of the camera history pages${when ? `, ${when}` : ' (e.g. a `draydog simulate` URL)'}`,
    })
    .option('browser-path', {
      type: 'string',
      describe: `Chromium or Chrome binary${when ? ` ${when}` : ''} (default: DRAYDOG_BROWSER, then /usr/bin/chromium)`,
    })
    .option('page-timeout', {
      coerce: wholeNumber('--page-timeout', 1, MAX_TIMER_MS),
      default: 60_000,
      describe: `${when ? `${when[0].toUpperCase()}${when.slice(1)}: l` : 'L'}ongest wait for a page or for the History of a day, in ms`,
    });
}

/** The browser options of `--browser-path`, `DRAYDOG_BROWSER` and `--page-timeout`. */
export function browserOptionsOf(args: { browserPath?: string; pageTimeout?: number }, env: NodeJS.ProcessEnv): DiscoverBrowserOptions {
  return { executablePath: args.browserPath, env, ...(args.pageTimeout === undefined ? {} : { timeoutMs: args.pageTimeout }) };
}
