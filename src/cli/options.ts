import { InputError } from '../frame-time.ts';

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

/** `in_gate,out_gate` (or the flag repeated) as a list. */
export function commaList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).flatMap((part) => String(part).split(',')).map((part) => part.trim());
}

const byteUnits: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** A yargs `coerce` for a byte rate like `5M`, `500K` or `1048576` (per second). */
export function byteRate(flag: string) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const match = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(String(raw).trim());
    const value = match ? Number(match[1]) * byteUnits[match[2].toUpperCase()] : Number.NaN;
    if (!(value > 0)) throw new InputError(`invalid ${flag} "${raw}": expected bytes per second like 5M, 500K or 1048576`);
    return value;
  };
}

/** A yargs `coerce` for a number > 0. */
export function positiveNumber(flag: string) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (String(raw).trim() === '' || !(value > 0) || !Number.isFinite(value)) throw new InputError(`invalid ${flag} "${raw}": expected a number > 0`);
    return value;
  };
}
