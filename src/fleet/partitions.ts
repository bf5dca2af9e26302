import { datesBetween } from '../sources/date-range.ts';

/** One unit of a fleet's work: the frames of one stream on one date, downloaded by the ordinary pipeline. */
export interface Partition {
  readonly terminal: string;
  readonly date: string;
  readonly stream: string;
  /** The frame times come from the camera's history page (see `discoverFrames`), read by the worker. */
  readonly discover?: { readonly pageUrl?: string };
}

export interface PartitionsOptions {
  readonly from: string;
  /** Last date, inclusive; defaults to `from`. */
  readonly to?: string;
  readonly streams: readonly string[];
  readonly terminal: string;
  readonly discover?: Partition['discover'];
}

/** The (date, stream) partitions of a range, date by date. Throws an InputError for a bad date. */
export function partitionsOf({ from, to = from, streams, terminal, discover }: PartitionsOptions): Partition[] {
  return [...datesBetween(from, to)].flatMap((date) =>
    streams.map((stream) => ({ terminal, date, stream, ...(discover ? { discover } : {}) })),
  );
}

/**
 * A partition's job id, the same whenever the partition is enqueued, so that enqueuing a range twice
 * adds nothing. BullMQ refuses ids with a colon.
 */
export function partitionId({ terminal, date, stream }: Pick<Partition, 'terminal' | 'date' | 'stream'>): string {
  // encodeURIComponent leaves no slash (the separator) and no colon
  return [terminal, date, stream].map(encodeURIComponent).join('/');
}
