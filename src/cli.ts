import { pino } from 'pino';
import yargs, { type Argv } from 'yargs';
import packageJson from '../package.json' with { type: 'json' };
import { isUsersToFix, UsageError } from './errors.ts';
import { configCommand, configOptions } from './cli/config-command.ts';
import { dashboardCommand, dashboardOptions } from './cli/dashboard-command.ts';
import { discover, discoverOptions } from './cli/discover-command.ts';
import { download, downloadOptions } from './cli/download-command.ts';
import { enqueue, enqueueOptions } from './cli/enqueue-command.ts';
import { ExitCode, EXIT_CODES_HELP } from './cli/exit-codes.ts';
import { camelCase, defaultConfigPath, dropForeignSettings, refuseUnknownConfigKeys } from './cli/foreign-settings.ts';
import { isInteractive, type CliIo } from './cli/io.ts';
import { logOptions, wantsDetail } from './cli/logger.ts';
import { readBooleanWords, refuseEmptyValues } from './cli/options.ts';
import { organize, organizeOptions } from './cli/organize-command.ts';
import { report, reportOptions } from './cli/report-command.ts';
import { retryFailed, retryFailedOptions } from './cli/retry-failed-command.ts';
import { simulate, simulateOptions } from './cli/simulate-command.ts';
import { status, statusOptions } from './cli/status-command.ts';
import { verify, verifyOptions } from './cli/verify-command.ts';
import { watchCommand, watchOptions } from './cli/watch-command.ts';
import { worker, workerOptions } from './cli/worker-command.ts';

/** yargs resets the epilogue for each command: every command's `--help` lists its own exit codes. */
const withExitCodes = <B extends (yargs: Argv) => Argv<unknown>>(builder: B, command: keyof typeof EXIT_CODES_HELP): B =>
  ((yargs: Argv) => builder(yargs).epilogue(EXIT_CODES_HELP[command])) as B;

/** Which code runs: the bundle (dist/cli.js) or the TypeScript sources, as bin/entry.js chose. */
const runningFrom = import.meta.url.endsWith('.ts') ? 'the sources' : 'the bundle';

const COMMAND_OPTIONS = [
  downloadOptions,
  discoverOptions,
  organizeOptions,
  reportOptions,
  verifyOptions,
  simulateOptions,
  watchOptions,
  dashboardOptions,
  enqueueOptions,
  workerOptions,
  statusOptions,
  retryFailedOptions,
] as ((yargs: Argv) => Argv)[];

/** Every option of some command, the logging options and `--config` included: what a config file may set. */
function everyOption(): Set<string> {
  // getOptions() is yargs API that @types/yargs 17 does not declare
  const keysOf = (parser: Argv) => Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
  return new Set([...COMMAND_OPTIONS.flatMap((builder) => keysOf(logOptions(builder(yargs([]))))), 'config'].map(camelCase));
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Runs the `draydog` command line and resolves to its exit code; never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const run = (command: (args: never, io: CliIo) => Promise<number>) => async (args: unknown) => {
    exitCode = await command(args as never, io);
  };
  const parser = logOptions(yargs([...argv]))
    .scriptName('draydog')
    .env('DRAYDOG')
    .config(
      'config',
      'JSON file of options (flags and DRAYDOG_* variables win; default: $XDG_CONFIG_HOME/draydog/config.json or ~/.config/draydog/config.json, if there)',
    )
    .default('config', defaultConfigPath(io.env))
    .command(
      'download',
      'Download frames over a date range into a verified, cataloged archive',
      withExitCodes(downloadOptions, 'download'),
      run(download),
    )
    .command(
      'discover',
      'Read the real frame times from the camera history pages (headless Chromium) and print a frames file',
      withExitCodes(discoverOptions, 'discover'),
      run(discover),
    )
    .command(
      'organize <source> <target>',
      'Move images found under <source> into the <date>/<stream>/ layout',
      withExitCodes(organizeOptions, 'organize'),
      run(organize),
    )
    .command('report', 'What the catalog holds per date and stream', withExitCodes(reportOptions, 'report'), run(report))
    .command(
      'verify',
      'Check every cataloged file against its size and sha256, and every image on disk against the catalog',
      withExitCodes(verifyOptions, 'verify'),
      run(verify),
    )
    .command(
      'simulate',
      'Serve a loopback camera CDN for demos, tests and benchmarks',
      withExitCodes(simulateOptions, 'simulate'),
      run(simulate),
    )
    .command(
      'config',
      'Print the settings a download would run with and where each came from (flag, env, file or default)',
      withExitCodes(configOptions, 'config'),
      run(configCommand(argv)),
    )
    .command(
      'watch',
      "Keep the archive current: fetch today's (and, after midnight, yesterday's) new frames every --every, until Ctrl-C",
      watchOptions,
      run(watchCommand),
    ) // its own exit codes
    .command(
      'dashboard',
      'Serve the live dashboard of a catalog, read-only: the newest frame of each stream, its lag, the coverage heatmap',
      withExitCodes(dashboardOptions, 'dashboard'),
      run(dashboardCommand),
    )
    .command(
      'enqueue',
      "Split a date range into (date, stream) partitions on a fleet's queue in Redis, each once",
      withExitCodes(enqueueOptions, 'enqueue'),
      run(enqueue),
    )
    .command(
      'worker',
      "Take partitions from a fleet's queue and download each with the normal pipeline, until Ctrl-C",
      withExitCodes(workerOptions, 'worker'),
      run(worker),
    )
    .command(
      'status',
      "A fleet's partitions (waiting, active, done, failed), frames done, rate and ETA",
      withExitCodes(statusOptions, 'status'),
      run(status),
    )
    .command(
      'retry-failed',
      "Put a fleet's failed partitions back in its queue and resume a fleet its circuit breaker paused",
      withExitCodes(retryFailedOptions, 'retryFailed'),
      run(retryFailed),
    )
    .completion('completion', 'Print a bash or zsh completion script (draydog completion >> ~/.bashrc)')
    .recommendCommands()
    .demandCommand(
      1,
      'name a command: download, discover, organize, report, verify, simulate, watch, dashboard, config, enqueue, worker, status or retry-failed',
    )
    .middleware(refuseUnknownConfigKeys(everyOption), true)
    .middleware(dropForeignSettings(io.env) as never, true)
    .middleware(refuseEmptyValues, true)
    .middleware(readBooleanWords(argv, io.env) as never, true)
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .strict()
    .help()
    // given, not looked up: the bundled yargs would look for package.json from the user's folder
    .version(`${packageJson.version} (Node ${process.version}, ${runningFrom})`)
    // yargs's own words in English like everything else, from the sources and the bundle alike
    .detectLocale(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .epilogue(EXIT_CODES_HELP.draydog)
    .exitProcess(false)
    .fail((message, error) => {
      // yargs wraps what a `coerce` or `--config` throws in a YError: bad usage, not a crash.
      throw error && error.name !== 'YError' ? error : new UsageError(message ?? error?.message);
    });
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (error) {
    const usage = isUsersToFix(error);
    const message = `draydog: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    const stack = !usage && wantsDetail(argv) ? (error as Error).stack : undefined;
    // bad usage is one plain line for the person who typed it; an error during a run is logged like
    // the rest of the run: off a terminal, one JSON line
    if (usage || isInteractive(io)) io.stderr.write(`${message}\n${stack ? `${stack}\n` : ''}`);
    else pino({ name: 'draydog', base: undefined }, io.stderr).error(stack ? { stack } : {}, message);
    return usage ? ExitCode.usage : ExitCode.framesFailed;
  }
}
