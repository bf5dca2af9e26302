import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';

export const camelCase = (text: string) => text.replace(/[-_]([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** The keys of the `--config` file as written; none when there is no file or it is not JSON (yargs says so). */
function writtenConfigKeys(path: unknown): string[] {
  if (typeof path !== 'string') return [];
  try {
    return Object.keys(JSON.parse(readFileSync(path, 'utf8')) as object);
  } catch {
    return [];
  }
}

/** The keys of the config file, camelCased. */
export const configKeys = (path: unknown) => writtenConfigKeys(path).map(camelCase);

/** The config file read when no `--config` names one: `DRAYDOG_CONFIG`, else `$XDG_CONFIG_HOME/draydog/config.json` (`~/.config` without it) if it exists. */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  // yargs would take a default over DRAYDOG_CONFIG
  if (env.DRAYDOG_CONFIG !== undefined) return env.DRAYDOG_CONFIG;
  const path = join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'draydog', 'config.json');
  return existsSync(path) ? path : undefined;
}

/** A middleware refusing a key of the config file that no command has (`"concurency": 4`), as strict parsing refuses an unknown flag. */
export function refuseUnknownConfigKeys(everyOption: () => ReadonlySet<string>) {
  return (argv: Record<string, unknown>): void => {
    const keys = writtenConfigKeys(argv.config);
    if (keys.length === 0) return;
    const known = everyOption();
    const unknown = keys.find((key) => !known.has(camelCase(key)));
    if (unknown !== undefined) throw new InputError(`invalid --config "${String(argv.config)}": unknown option "${unknown}"`);
  };
}

/**
 * `DRAYDOG_*` variables and a `--config` file hold settings for every command; strict parsing must
 * judge only the command line, so settings the running command does not have are dropped first.
 */
export function dropForeignSettings(env: NodeJS.ProcessEnv) {
  // getOptions() is yargs API that @types/yargs 17 does not declare
  return (argv: Record<string, unknown>, yargs: { getOptions(): { key: Record<string, unknown> } }): void => {
    const fromSettings = new Set([
      ...Object.keys(env)
        .filter((name) => name.startsWith('DRAYDOG_'))
        .map((name) => camelCase(name.slice('DRAYDOG_'.length).toLowerCase())),
      ...configKeys(argv.config),
    ]);
    const known = new Set(Object.keys(yargs.getOptions().key).map(camelCase));
    for (const key of Object.keys(argv)) {
      const name = camelCase(key);
      if (fromSettings.has(name) && !known.has(name)) delete argv[key];
    }
  };
}
