import { readFileSync } from 'node:fs';

export const camelCase = (text: string) => text.replace(/[-_]([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

function configKeys(path: unknown): string[] {
  if (typeof path !== 'string') return [];
  try {
    return Object.keys(JSON.parse(readFileSync(path, 'utf8')) as object).map(camelCase);
  } catch {
    return [];
  }
}

/**
 * `DRAYDOG_*` variables and a `--config` file hold settings for every command; strict parsing must
 * judge only the command line, so settings the running command does not have are dropped first.
 */
export function dropForeignSettings(env: NodeJS.ProcessEnv) {
  // getOptions() is yargs API that @types/yargs 17 does not declare
  return (argv: Record<string, unknown>, yargs: { getOptions(): { key: Record<string, unknown> } }): void => {

    const fromSettings = new Set([
      ...Object.keys(env).filter((name) => name.startsWith('DRAYDOG_')).map((name) => camelCase(name.slice('DRAYDOG_'.length).toLowerCase())),
      ...configKeys(argv.config),
    ]);
    const known = new Set(Object.keys(yargs.getOptions().key).map(camelCase));
    for (const key of Object.keys(argv)) {
      const name = camelCase(key);
      if (fromSettings.has(name) && !known.has(name)) delete argv[key];
    }
  };
}
