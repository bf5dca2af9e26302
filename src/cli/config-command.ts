import yargs, { type Argv } from 'yargs';
import { formatTable } from '../report/format.ts';
import { shownCatalog } from '../catalog/catalog-location.ts';
import { ExitCode } from './exit-codes.ts';
import { downloadOptions } from './download-command.ts';
import { camelCase, configKeys } from './foreign-settings.ts';
import type { CliIo } from './io.ts';
import { logOptions } from './logger.ts';

/** `draydog config` takes every option of `download`, so that a flag shows where it wins. */
export const configOptions = <T>(yargs: Argv<T>) => downloadOptions(yargs);

type Source = 'flag' | 'env' | 'file' | 'default';

interface Setting {
  readonly option: string;
  readonly value: unknown;
  readonly from: Source;
}

/** Options every command has that are no settings of a run. */
const NOT_SETTINGS = new Set(['help', 'version', 'json', '$0', '_']);

const variableOf = (option: string) => `DRAYDOG_${option.toUpperCase().replaceAll('-', '_')}`;

/** Where an option's value came from, in the order they win: a flag, a DRAYDOG_* variable, the config file, the default. */
function sourceOf(
  option: string,
  aliases: readonly string[],
  rawArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  fileKeys: ReadonlySet<string>,
): Source {
  const flags = [`--${option}`, `--no-${option}`, ...aliases.map((alias) => (alias.length === 1 ? `-${alias}` : `--${alias}`))];
  if (
    rawArgs.some((arg) => flags.some((flag) => arg === flag || arg.startsWith(`${flag}=`) || (flag.length === 2 && arg.startsWith(flag))))
  )
    return 'flag';
  if (env[variableOf(option)] !== undefined) return 'env';
  return fileKeys.has(camelCase(option)) ? 'file' : 'default';
}

interface OptionTable {
  readonly key: Record<string, unknown>;
  readonly alias: Record<string, string[]>;
}

/** The options `draydog config` shows: download's and the logging ones. */
function optionTable(): OptionTable {
  // getOptions() is yargs API that @types/yargs 17 does not declare
  return (logOptions(configOptions(yargs([]))) as unknown as { getOptions(): OptionTable }).getOptions();
}

/** A value as it may be shown: a catalog URL without its password. */
const shownValue = (option: string, value: unknown) =>
  option === 'db' && typeof value === 'string' ? shownCatalog(value) : (value ?? null);

/** The effective settings of a run and where each came from, for `draydog config`. */
function effectiveSettings(argv: Record<string, unknown>, rawArgs: readonly string[], env: NodeJS.ProcessEnv): Setting[] {
  const options = optionTable();
  const fileKeys = new Set(configKeys(argv.config));
  return [...Object.keys(options.key), 'config']
    .filter((option) => !NOT_SETTINGS.has(option) && option.length > 1 && option === option.toLowerCase())
    .sort()
    .map((option) => ({
      option,
      value: shownValue(option, argv[camelCase(option)]),
      from:
        option === 'config'
          ? configSource(rawArgs, env, argv.config)
          : sourceOf(option, options.alias[option] ?? [], rawArgs, env, fileKeys),
    }));
}

/** `--config`, `DRAYDOG_CONFIG`, or the XDG place (a default) when it exists. */
function configSource(rawArgs: readonly string[], env: NodeJS.ProcessEnv, path: unknown): Source {
  if (rawArgs.some((arg) => arg === '--config' || arg.startsWith('--config='))) return 'flag';
  if (env.DRAYDOG_CONFIG !== undefined) return 'env';
  return path === undefined ? 'default' : 'file';
}

/** `draydog config`: the settings a download would run with, and where each came from (flag, env, file or default). */
export function configCommand(rawArgs: readonly string[]) {
  return async (args: Record<string, unknown> & { json?: boolean }, io: CliIo): Promise<number> => {
    const settings = effectiveSettings(args, rawArgs, io.env);
    if (args.json) {
      io.stdout.write(`${JSON.stringify(settings)}\n`);
      return ExitCode.ok;
    }
    const shown = (value: unknown) => (value === null ? '-' : Array.isArray(value) ? value.join(',') : String(value));
    io.stdout.write(
      `${formatTable([['option', 'value', 'from'], ...settings.map(({ option, value, from }) => [option, shown(value), from])])}\n`,
    );
    return ExitCode.ok;
  };
}
