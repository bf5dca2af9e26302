import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { defer, from, type Observable } from 'rxjs';
import { assertName, InputError, parseTimestamp } from '../frame-time.ts';
import { frameItem, type FrameItem, type FrameRef } from '../items.ts';
import { DEFAULT_TERMINAL } from './frame-grid.ts';

const cdnPathPattern =
  /\/([a-z0-9_]+)\/(\d{4}-\d{2}-\d{2})\/(\d{1,2})\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-([a-z0-9_]+?)(-thumbnail)?\.jpeg$/;
const referencePattern = /^([^\s]+)\s+([^\s]+)$/;

/**
 * A frame from a CDN URL (full-size or thumbnail), or from `<stream> <YYYY-MM-DDTHH:MM:SS>`.
 * Returns undefined when the text is neither.
 */
export function parseFrameReference(text: string, terminal = DEFAULT_TERMINAL): FrameRef | undefined {
  if (/^https?:\/\//.test(text)) return parseFrameUrl(text);
  const match = referencePattern.exec(text);
  if (!match) return undefined;
  const [, stream, capturedAt] = match;
  parseTimestamp(capturedAt);
  return { terminal, stream: assertName(stream, 'stream'), capturedAt, date: capturedAt.slice(0, 10) };
}

export function parseFrameUrl(url: string): FrameRef | undefined {
  const match = cdnPathPattern.exec(new URL(url).pathname.replaceAll('%3A', ':'));
  if (!match) return undefined;
  const [, terminal, date, hour, capturedAt, stream] = match;
  parseTimestamp(capturedAt);
  if (capturedAt.slice(0, 10) !== date || Number(capturedAt.slice(11, 13)) !== Number(hour)) return undefined;
  return { terminal, stream, capturedAt, date };
}

async function* readFrames(path: string, terminal: string | undefined): AsyncGenerator<FrameItem> {
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    await once(input, 'open');
  } catch (error) {
    throw new InputError(`cannot read frames file "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let lineNumber = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    const text = raw.replace(/#.*/, '').trim();
    if (text === '') continue;
    let frame: FrameRef | undefined;
    try {
      frame = parseFrameReference(text, terminal);
    } catch {
      frame = undefined;
    }
    if (!frame) throw new InputError(`invalid frames file "${path}" line ${lineNumber}: "${raw.trim()}"`);
    yield frameItem(frame);
  }
}

/** Frame references from a text file: one per line, blank lines and `#` comments allowed. */
export function framesFromFile(path: string, options: { terminal?: string } = {}): Observable<FrameItem> {
  return defer(() => from(readFrames(path, options.terminal)));
}
