import type { FrameRef, FrameUrls, Variant } from './frame/frame-ref.ts';

export type { FrameRef, FrameUrls, Variant };

/** A frame that has not been looked at yet. */
export interface FrameItem {
  readonly kind: 'frame';
  readonly frame: FrameRef;
}

/** A frame with the URLs it can be fetched from. */
export interface RequestItem {
  readonly kind: 'request';
  readonly frame: FrameRef;
  readonly urls: FrameUrls;
}

/** A verified JPEG held in memory, not yet on disk. */
export interface FetchedItem {
  readonly kind: 'fetched';
  readonly frame: FrameRef;
  readonly url: string;
  readonly variant: Variant;
  readonly body: Buffer;
  readonly attempts: number;
}

export interface DownloadedItem {
  readonly kind: 'downloaded';
  readonly frame: FrameRef;
  readonly url: string;
  readonly variant: Variant;
  readonly bytes: number;
  readonly sha256: string;
  readonly filePath: string;
  readonly attempts: number;
}

export interface AlreadyExistedItem {
  readonly kind: 'alreadyExisted';
  readonly frame: FrameRef;
  readonly filePath: string;
}

export interface NotFoundItem {
  readonly kind: 'notFound';
  readonly frame: FrameRef;
  readonly urls: readonly string[];
  readonly attempts: number;
}

export interface FailedItem {
  readonly kind: 'failed';
  /**
   * `fetch`: the CDN did not give a whole frame; `write`: the frame could not be saved (disk full …);
   * `place`: where the frame belongs is a symbolic link, which draydog neither follows nor replaces.
   */
  readonly stage: 'fetch' | 'write' | 'place';
  readonly frame: FrameRef;
  readonly url: string;
  readonly error: string;
  readonly attempts: number;
}

export type OutcomeItem = DownloadedItem | AlreadyExistedItem | NotFoundItem | FailedItem;

/** Everything that flows through a draydog pipeline. */
export type PipelineItem = FrameItem | RequestItem | FetchedItem | OutcomeItem;

export type ItemKind = PipelineItem['kind'];
export type ItemOfKind<K extends ItemKind> = Extract<PipelineItem, { kind: K }>;

const outcomeKinds: ReadonlySet<ItemKind> = new Set(['downloaded', 'alreadyExisted', 'notFound', 'failed']);

export function isOutcome(item: PipelineItem): item is OutcomeItem {
  return outcomeKinds.has(item.kind);
}

export function frameItem(frame: FrameRef): FrameItem {
  return { kind: 'frame', frame };
}
