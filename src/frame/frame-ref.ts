/** What the camera shot: one frame of one stream, identified by its UTC capture time. */
export interface FrameRef {
  readonly terminal: string;
  readonly stream: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` */
  readonly capturedAt: string;
  /** UTC, `YYYY-MM-DD` (the date part of `capturedAt`) */
  readonly date: string;
}

export type Variant = 'full' | 'thumbnail';

export interface FrameUrls {
  readonly full: string;
  readonly thumbnail: string;
}
