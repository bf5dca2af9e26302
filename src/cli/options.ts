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
