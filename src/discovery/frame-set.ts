import { frameItem, type FrameItem, type FrameRef } from '../items.ts';
import { frameKey, parseFrameUrl } from '../frame/layout.ts';

// A CDN frame path anywhere in a text (an attribute, a srcset, a JSON body), absolute or not,
// with its colons kept or percent-encoded; `\/` (JSON's escaped slash) is undone first.
const frameUrlPattern =
  /(?:https?:\/\/[^\s"'<>()\\,]+?)?\/[a-z0-9_]+\/\d{4}-\d{2}-\d{2}\/\d{1,2}\/\d{4}-\d{2}-\d{2}T\d{2}(?::|%3A)\d{2}(?::|%3A)\d{2}-[a-z0-9_]+?(?:-thumbnail)?\.jpeg/gi;

/** Every CDN frame URL (full-size or thumbnail) written in `text`, in order of appearance, duplicates kept. */
export function frameUrlsIn(text: string): string[] {
  return text.replaceAll('\\/', '/').match(frameUrlPattern) ?? [];
}

/** The frame a CDN URL or path names (a thumbnail names the same frame as its full-size image), or undefined. */
export function frameOfUrl(url: string): FrameRef | undefined {
  try {
    return parseFrameUrl(new URL(url, 'https://cdn.invalid').href);
  } catch {
    return undefined;
  }
}

/** Frames collected from URLs: one per terminal + stream + capture time, however many URLs name it. */
export class FrameSet {
  readonly #frames = new Map<string, FrameRef>();

  /** Adds the frame a URL names; returns whether the URL named a frame. */
  addUrl(url: string): boolean {
    const frame = frameOfUrl(url);
    if (frame) this.#frames.set(frameKey(frame), frame);
    return frame !== undefined;
  }

  /** Adds every frame URL found in a text. */
  addText(text: string): void {
    for (const url of frameUrlsIn(text)) this.addUrl(url);
  }

  get size(): number {
    return this.#frames.size;
  }

  clear(): void {
    this.#frames.clear();
  }

  /** The frames that match, sorted by stream order (as given) then capture time. */
  frames(filter: { terminal?: string; date?: string; streams?: readonly string[] } = {}): FrameRef[] {
    const { terminal, date, streams } = filter;
    const rank = (stream: string) => (streams ? streams.indexOf(stream) : 0);
    return [...this.#frames.values()]
      .filter((frame) => (terminal === undefined || frame.terminal === terminal) && (date === undefined || frame.date === date))
      .filter((frame) => rank(frame.stream) >= 0)
      .sort((a, b) => rank(a.stream) - rank(b.stream) || a.stream.localeCompare(b.stream) || a.capturedAt.localeCompare(b.capturedAt));
  }
}

/** Frame references from URLs: de-duplicated (thumbnail and full-size URLs of one frame are one frame) and sorted. */
export function framesFromUrls(urls: Iterable<string>): FrameItem[] {
  const set = new FrameSet();
  for (const url of urls) set.addUrl(url);
  return set.frames().map(frameItem);
}
