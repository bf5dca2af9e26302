import { formatBytes } from '../report/format.ts';
import { InputError } from '../errors.ts';
import { camelCase } from './foreign-settings.ts';

/** A yargs `coerce` for a whole number in a range that names the flag and the raw value when it is not one. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const text = String(raw).trim();
    const value = Number(text);
    if (text === '' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InputError(`invalid ${flag} "${raw}": expected a whole number ${range}`);
    }
    return value;
  };
}

/** `in_gate,out_gate` (or the flag repeated) as a list, each name once. */
export function commaList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  return [...new Set((Array.isArray(raw) ? raw : [raw]).flatMap((part) => String(part).split(',')).map((part) => part.trim()))];
}

const byteUnits: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * A yargs `coerce` for an amount of bytes like `5M`, `500K` or `1048576` (K, M and G are powers of
 * 1024), from `min` to `max`; `unit` says what the amount counts ("bytes", "bytes per second").
 */
export function byteAmount(
  flag: string,
  { min, max = Number.MAX_SAFE_INTEGER, unit = 'bytes' }: { min: number; max?: number; unit?: string },
) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(String(raw).trim());
    const value = match ? Math.round(Number(match[1]) * byteUnits[match[2].toUpperCase()]) : Number.NaN;
    if (!(value >= min && value <= max)) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${formatBytes(min)}` : `from ${formatBytes(min)} to ${formatBytes(max)}`;
      throw new InputError(`invalid ${flag} "${raw}": expected ${unit} like 5M, 500K or 1048576, ${range}`);
    }
    return value;
  };
}

/** A yargs `coerce` for a number of at least `min` (by default any number > 0). */
export function positiveNumber(flag: string, min?: number) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    const inRange = min === undefined ? value > 0 : value >= min;
    if (String(raw).trim() === '' || !inRange || !Number.isFinite(value)) {
      throw new InputError(`invalid ${flag} "${raw}": expected a number ${min === undefined ? '> 0' : `>= ${min}`}`);
    }
    return value;
  };
}

/**
 * A yargs middleware that refuses an option given an empty value (`--base-url "$UNSET"`): taking it
 * for "not given" would quietly fall back to the default (for --base-url, the production CDN).
 */
export function refuseEmptyValues(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0') continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((one) => typeof one === 'string' && one.trim() === '')) {
      const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      throw new InputError(`invalid ${flag} "": expected a value (an unset shell variable?)`);
    }
  }
}

const yesWords = new Set(['true', '1', 'yes', 'on']);
const noWords = new Set(['false', '0', 'no', 'off']);

/** The value written for a boolean flag: the last `--flag=value`, else its DRAYDOG_ variable unless the flag is given bare. */
function writtenBoolean(rawArgs: readonly string[], env: NodeJS.ProcessEnv, key: string): string | undefined {
  const flagTokens = rawArgs.filter((arg) => arg === `--${key}` || arg === `--no-${key}` || arg.startsWith(`--${key}=`));
  const last = flagTokens.at(-1);
  if (last !== undefined) return last.startsWith(`--${key}=`) ? last.slice(key.length + 3) : undefined;
  return env[`DRAYDOG_${key.toUpperCase().replaceAll('-', '_')}`];
}

/**
 * A yargs middleware for boolean options: yargs reads any value but "true" as false, so
 * `--dry-run=yes` and `DRAYDOG_DRY_RUN=1` downloaded for real. yes/no, on/off, 1/0 and true/false
 * are honoured; any other value is refused, naming the flag.
 */
export function readBooleanWords(rawArgs: readonly string[], env: NodeJS.ProcessEnv) {
  // getOptions() is yargs API that @types/yargs 17 does not declare
  return (argv: Record<string, unknown>, yargs: { getOptions(): { boolean: string[] } }): void => {
    for (const key of yargs.getOptions().boolean) {
      const written = writtenBoolean(rawArgs, env, key);
      if (written === undefined) continue;
      const word = written.trim().toLowerCase();
      if (!yesWords.has(word) && !noWords.has(word))
        throw new InputError(`invalid --${key} "${written}": expected yes or no (also true/false, on/off, 1/0)`);
      argv[key] = argv[camelCase(key)] = yesWords.has(word);
    }
  };
}
