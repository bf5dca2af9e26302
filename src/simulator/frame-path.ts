import { parseTimestamp } from '../frame/time.ts';
import type { Variant } from '../items.ts';

/** What a CDN path names: one variant of one frame. */
export interface FramePathParts {
  readonly terminal: string;
  readonly stream: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` */
  readonly capturedAt: string;
  readonly variant: Variant;
}

// Written apart from the downloader's URL builder on purpose: a simulator sharing it would accept its bugs.
const framePathPattern =
  /^\/([a-z0-9_]+)\/(\d{4}-\d{2}-\d{2})\/(\d{1,2})\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-([a-z0-9_]+?)(-thumbnail)?\.jpeg$/;

/** `/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg`: UTC, hour folder not zero-padded, colons kept. */
export function framePath({ terminal, stream, capturedAt, variant }: FramePathParts): string {
  const date = capturedAt.slice(0, 10);
  const hour = Number(capturedAt.slice(11, 13));
  const suffix = variant === 'thumbnail' ? '-thumbnail' : '';
  return `/${terminal}/${date}/${hour}/${capturedAt}-${stream}${suffix}.jpeg`;
}

/** The frame a path names, or undefined when the path is not exactly how the CDN lays frames out. */
export function parseFramePath(path: string): FramePathParts | undefined {
  const match = framePathPattern.exec(path);
  if (!match) return undefined;
  const [, terminal, , , capturedAt, stream, thumbnail] = match;
  try {
    parseTimestamp(capturedAt);
  } catch {
    return undefined;
  }
  const parts: FramePathParts = { terminal, stream, capturedAt, variant: thumbnail ? 'thumbnail' : 'full' };
  // Rebuilding the path checks the date and hour folders against the timestamp, padding included.
  return framePath(parts) === path ? parts : undefined;
}
