import { once } from 'node:events';
import { createReadStream, type ReadStream } from 'node:fs';
import { defer, from, type Observable } from 'rxjs';
import { assertName, parseTimestamp } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { frameItem, type FrameItem, type FrameRef } from '../items.ts';
import { DEFAULTS } from '../settings.ts';
import { parseFrameUrl } from '../frame/layout.ts';

const referencePattern = /^([^\s]+)\s+([^\s]+)$/;

/**
 * A frame from a CDN URL (full-size or thumbnail), or from `<stream> <YYYY-MM-DDTHH:MM:SS>`.
 * Returns undefined when the text is neither.
 */
function parseFrameReference(text: string, terminal = DEFAULTS.terminal): FrameRef | undefined {
  if (/^https?:\/\//.test(text)) return parseFrameUrl(text);
  const match = referencePattern.exec(text);
  if (!match) return undefined;
  const [, stream, capturedAt] = match;
  parseTimestamp(capturedAt);
  return { terminal, stream: assertName(stream, 'stream'), capturedAt, date: capturedAt.slice(0, 10) };
}

/** A frame reference is a URL of about 90 characters: a longer line is not one (and /dev/zero has no end of line). */
const MAX_LINE_CHARS = 4096;

/** The lines of `input`, refusing one longer than MAX_LINE_CHARS as soon as it is, instead of holding it whole. */
async function* boundedLines(input: ReadStream, path: string): AsyncGenerator<string> {
  let pending = '';
  let lineNumber = 1;
  const refuse = () => {
    input.destroy();
    return new InputError(`invalid frames file "${path}" line ${lineNumber}: longer than ${MAX_LINE_CHARS} characters`);
  };
  for await (const chunk of input) {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.length > MAX_LINE_CHARS) throw refuse();
      yield line;
      lineNumber += 1;
    }
    if (pending.length > MAX_LINE_CHARS) throw refuse();
  }
  if (pending !== '') yield pending;
}

async function* readFrames(path: string, terminal: string | undefined): AsyncGenerator<FrameItem> {
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    await once(input, 'open');
  } catch (error) {
    throw new InputError(`cannot read frames file "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let lineNumber = 0;
  for await (const raw of boundedLines(input, path)) {
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
