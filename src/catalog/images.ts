import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { CatalogOrm } from './catalog-location.ts';
import { isUnderRoot } from '../disk/frame-files.ts';
import { jpegDefect, jpegDimensions } from '../frame/jpeg.ts';
import { frameKey } from '../frame/layout.ts';
import type { AlreadyExistedItem, DownloadedItem, FrameRef, NotFoundItem, Variant } from '../items.ts';
import { Image } from './image-entity.ts';
import { cdnOf } from './known-missing.ts';
import { MissingFrame } from './missing-frame-entity.ts';
import { upsertRows } from './upsert-rows.ts';

// The catalog's writes (batched, idempotent upserts) and the reads the pipeline makes per folder.

/** The columns of an `images` row, without its id. */
export interface ImageRow {
  terminal: string;
  stream: string;
  capturedAt: string;
  filePath: string;
  fileSize: number;
  sha256: string;
  sourceUrl: string | null;
  variant: Variant;
  downloadedAt: string;
}

export type ImageDetail = Exclude<keyof ImageRow, 'terminal' | 'stream' | 'capturedAt'>;

const frameColumns = ['terminal', 'stream', 'capturedAt'] as const;
const widestThumbnail = 640;

const allDetails: ImageDetail[] = ['filePath', 'fileSize', 'sha256', 'sourceUrl', 'variant', 'downloadedAt'];

/** Inserts rows, or updates `fields` of the row of the same terminal, stream and capture time. */
export function upsertImages(orm: CatalogOrm, rows: readonly ImageRow[], fields: readonly ImageDetail[] = allDetails): Promise<void> {
  return upsertRows(orm, Image, rows, frameColumns, fields);
}

/**
 * How the catalog names a file: relative to the archive's `root` when under it, so an archive moved or
 * copied with its catalog still finds its files; absolute otherwise (or without a root), so it holds
 * whatever folder a later command runs in; an object's URL is kept as it is. Read back with `resolve(root, path)`, which takes both.
 */
export function catalogPath(filePath: string, root?: string): string {
  // an object in a store (`s3://bucket/key`) is named by its URL
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filePath)) return filePath;
  return root !== undefined && isUnderRoot(root, filePath) ? relative(resolve(root), resolve(filePath)) : resolve(filePath);
}

function rowFor(
  { terminal, stream, capturedAt }: FrameRef,
  filePath: string,
  details: Omit<ImageRow, keyof FrameRef | 'filePath'>,
): ImageRow {
  return { terminal, stream, capturedAt, filePath, ...details };
}

export function rowOfDownload(item: DownloadedItem, downloadedAt = new Date(), root?: string): ImageRow {
  return rowFor(item.frame, catalogPath(item.filePath, root), {
    fileSize: item.bytes,
    sha256: item.sha256,
    sourceUrl: item.url,
    variant: item.variant,
    downloadedAt: downloadedAt.toISOString(),
  });
}

/** A row describing a frame file found on disk: size, sha256 and variant are read from the file. */
export async function rowOfFile(item: AlreadyExistedItem, root?: string): Promise<ImageRow> {
  const [body, info] = await Promise.all([readFile(item.filePath), stat(item.filePath)]);
  return rowOfBody(item, body, info.mtime, root);
}

/** A row describing a frame whose bytes are `body`: size, sha256 and variant are read from them. */
export function rowOfBody(item: AlreadyExistedItem, body: Buffer, modifiedAt: Date, root?: string): ImageRow {
  const width = jpegDimensions(body)?.width ?? Number.POSITIVE_INFINITY;
  return rowFor(item.frame, catalogPath(item.filePath, root), {
    fileSize: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    sourceUrl: null,
    variant: width <= widestThumbnail ? 'thumbnail' : 'full',
    downloadedAt: modifiedAt.toISOString(),
  });
}

/** The bytes of a frame found in the archive and when they were written. */
export type ReadFrame = (filePath: string) => Promise<{ body: Buffer; modifiedAt: Date }>;

/** `ReadFrame` for a file on disk. */
const readFrameFile: ReadFrame = async (path) => {
  const [body, info] = await Promise.all([readFile(path), stat(path)]);
  return { body, modifiedAt: info.mtime };
};

/** The row of a frame found in the archive, or none when it is not a whole JPEG: a broken file is never adopted. */
async function rowOfWholeJpeg(item: AlreadyExistedItem, root: string | undefined, read: ReadFrame): Promise<ImageRow[]> {
  const { body, modifiedAt } = await read(item.filePath);
  return jpegDefect(body) ? [] : [rowOfBody(item, body, modifiedAt, root)];
}

/**
 * Rows for the frames in the archive (on disk, or read by `read`) that the catalog does not have yet; a name that cannot be read as a file
 * (a folder, a broken link, gone since) or is not a whole JPEG gets none.
 */
export async function rowsMissingFor(
  orm: CatalogOrm,
  items: readonly AlreadyExistedItem[],
  root?: string,
  read: ReadFrame = readFrameFile,
): Promise<ImageRow[]> {
  if (items.length === 0) return [];
  const cataloged = await orm.em
    .fork()
    .find(
      Image,
      { $or: items.map(({ frame }) => ({ terminal: frame.terminal, stream: frame.stream, capturedAt: frame.capturedAt })) },
      { fields: [...frameColumns] },
    );
  const known = new Set(cataloged.map((row) => `${row.terminal}/${row.stream}/${row.capturedAt}`));
  const missing = items.filter(({ frame }) => !known.has(`${frame.terminal}/${frame.stream}/${frame.capturedAt}`));
  const rows = await Promise.allSettled(missing.map((item) => rowOfWholeJpeg(item, root, read)));
  return rows.flatMap((row) => (row.status === 'fulfilled' ? row.value : []));
}

/** Keys (see `frameKey` of known-missing) of the frames the catalog holds of the terminal and stream of `frame`, on its date. */
export async function catalogedOnDateOf(orm: CatalogOrm, { terminal, stream, date }: FrameRef): Promise<Set<string>> {
  const rows = await orm.em
    .fork()
    .find(Image, { terminal, stream, capturedAt: { $gte: date, $lt: `${date}T99` } }, { fields: [...frameColumns] });
  return new Set(rows.map(frameKey));
}

/** Remembers frames the CDN at `baseUrl` answered as missing. */
export function recordMisses(orm: CatalogOrm, baseUrl: string, misses: readonly NotFoundItem[], checkedAt: Date): Promise<void> {
  const cdn = cdnOf(baseUrl);
  const rows = misses.map(({ frame: { terminal, stream, capturedAt } }) => ({
    baseUrl: cdn,
    terminal,
    stream,
    capturedAt,
    checkedAt: checkedAt.toISOString(),
  }));
  return upsertRows(orm, MissingFrame, rows, ['baseUrl', ...frameColumns], ['checkedAt']);
}
