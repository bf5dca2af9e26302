import type { FrameRef } from '../items.ts';

/** What a store did with a frame's body. */
export type PutOutcome =
  /** Stored whole under `location`; `sha256` of the bytes stored. */
  | { readonly kind: 'written'; readonly location: string; readonly sha256: string }
  /** Something was already there: it is left as it is. */
  | { readonly kind: 'exists'; readonly location: string }
  /** The place is not the store's to write: `link` is a symbolic link that is not followed out of the archive. */
  | { readonly kind: 'refused'; readonly location: string; readonly link: string };

/**
 * Where the frames of an archive are kept, in the layout of `frameFilePath`: a folder tree
 * (`diskStore`) or, behind the same calls, a bucket of an object store. A store never replaces what
 * is there and never holds part of a body under a frame's name.
 */
export interface FrameStore {
  /** Where the frame's body is (or would be) kept: a file path, or an object's URL. */
  locationOf(frame: FrameRef): string;
  /** Stores the body under the frame's location unless something is there. Throws when the store cannot take it (a full disk). */
  put(frame: FrameRef, body: Uint8Array): Promise<PutOutcome>;
  /** What storing a body is called when it fails (`cannot <verb> <location>: <reason>`): `write` unless said (a file), `upload` (an object). */
  readonly verb?: string;
}
