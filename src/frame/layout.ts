import { join } from 'node:path';
import { DEFAULTS } from '../settings.ts';
import type { FrameRef, FrameUrls } from './frame-ref.ts';
import { assertName, parseTimestamp } from './time.ts';

// How a frame is named, both ways: in the catalog's keys, on disk and on the CDN.

/** A frame's identity as one string, for sets and maps. */
export function frameKey({ terminal, stream, capturedAt }: Pick<FrameRef, 'terminal' | 'stream' | 'capturedAt'>): string {
  return `${terminal}/${stream}/${capturedAt}`;
}

/** `<root>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`, from the frame's UTC capture time. */
export function frameFilePath(root: string, frame: FrameRef): string {
  const compact = frame.capturedAt.replace(/[-T:]/g, '');
  return join(root, frame.date, frame.stream, `${compact}_${frame.stream}.jpg`);
}

const compactName = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_([a-z0-9_]+)\.jpe?g$/i;
const cdnName = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-([a-z0-9_]+?)(?:-thumbnail)?\.jpe?g$/i;

/** The frame a file name stands for: `20250901100000_in_gate.jpg` or the CDN's `2025-09-01T10:00:00-in_gate.jpeg`. */
export function frameOfFileName(name: string, terminal = DEFAULTS.terminal): FrameRef | undefined {
  const compact = compactName.exec(name);
  const cdn = cdnName.exec(name);
  const capturedAt = compact ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}` : cdn?.[1];
  const stream = (compact?.[7] ?? cdn?.[2])?.toLowerCase();
  if (!capturedAt || !stream) return undefined;
  try {
    parseTimestamp(capturedAt);
    return { terminal, stream: assertName(stream, 'stream'), capturedAt, date: capturedAt.slice(0, 10) };
  } catch {
    return undefined;
  }
}

/** The CDN's layout: `<base>/<terminal>/<date>/<hour, not padded>/<date>T<HH:MM:SS>-<stream>[-thumbnail].jpeg`. */
export function frameUrls(frame: FrameRef, baseUrl = DEFAULTS.baseUrl): FrameUrls {
  const hour = Number(frame.capturedAt.slice(11, 13));
  const stem = `${baseUrl.replace(/\/+$/, '')}/${frame.terminal}/${frame.date}/${hour}/${frame.capturedAt}-${frame.stream}`;
  return { full: `${stem}.jpeg`, thumbnail: `${stem}-thumbnail.jpeg` };
}

const cdnPathPattern =
  /\/([a-z0-9_]+)\/(\d{4}-\d{2}-\d{2})\/(\d{1,2})\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-([a-z0-9_]+?)(-thumbnail)?\.jpeg$/;

/** The frame a CDN URL (full-size or thumbnail) names, or undefined when the URL is not a frame's. */
export function parseFrameUrl(url: string): FrameRef | undefined {
  const match = cdnPathPattern.exec(new URL(url).pathname.replaceAll('%3A', ':'));
  if (!match) return undefined;
  const [, terminal, date, hour, capturedAt, stream] = match;
  parseTimestamp(capturedAt);
  if (capturedAt.slice(0, 10) !== date || Number(capturedAt.slice(11, 13)) !== Number(hour)) return undefined;
  return { terminal, stream, capturedAt, date };
}
