// What a history page's API answers say about a day besides frame URLs: frame times, and the
// total the page claims to have.

const timePattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const totalKeys = new Set(['total', 'totalcount', 'total_count', 'totalelements', 'total_elements', 'count']);

/** `YYYY-MM-DDTHH:MM:SS` in UTC for an ISO-like time (a time without a zone is taken as UTC, as the CDN's are), else undefined. */
export function utcTimeOf(text: string): string | undefined {
  const match = timePattern.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, zone] = match;
  const ms = Date.parse(
    `${date}T${time}${zone ? (zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : 'Z'}`,
  );
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 19);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The one time an item of a list names: the item itself, or its only property that holds a time. */
function timeOfItem(item: unknown): string | undefined {
  if (typeof item === 'string') return utcTimeOf(item);
  if (typeof item !== 'object' || item === null) return undefined;
  const times = Object.values(item).flatMap((value) =>
    typeof value === 'string' ? [utcTimeOf(value)].filter((time) => time !== undefined) : [],
  );
  return times.length === 1 ? times[0] : undefined;
}

/**
 * The capture times listed in a JSON answer: the items of its arrays that are a time, or objects
 * holding exactly one time. A time outside a list (when the answer was made, a "last updated") is not
 * a frame.
 */
export function listedTimesIn(text: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) {
        const time = timeOfItem(item);
        if (time) found.push(time);
        else walk(item);
      }
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(walk);
    }
  };
  walk(parse(text));
  return found;
}

/** The totals a JSON answer states (`total`, `totalCount`, `count` …) at its top level or one level down. */
export function statedTotalsIn(text: string): number[] {
  const totals: number[] = [];
  const read = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      if (totalKeys.has(key.toLowerCase()) && Number.isSafeInteger(inner) && (inner as number) >= 0) totals.push(inner as number);
      else if (depth === 0) read(inner, 1);
    }
  };
  read(parse(text), 0);
  return totals;
}
