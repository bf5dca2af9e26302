import { createHash } from 'node:crypto';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import fse from 'fs-extra';
import { linkBelowRoot } from '../disk/frame-files.ts';
import { rowOfFile, upsertImages, type ImageRow } from '../catalog/images.ts';
import { DEFAULTS } from '../settings.ts';
import { frameFilePath, frameOfFileName } from '../frame/layout.ts';

export interface OrganizeResult {
  /** Moved, or copied with `copy`; with `dryRun`, what would be. */
  readonly moved: { from: string; to: string }[];
  /** Files whose frame is already at its place in the target with the same sha256: left where they are. */
  readonly alreadyThere: { path: string; at: string }[];
  readonly left: { path: string; reason: string }[];
}

export interface OrganizeOptions {
  readonly terminal?: string;
  /** Catalog to record the new paths in. */
  readonly orm?: CatalogOrm;
  /** Copy the files instead of moving them. */
  readonly copy?: boolean;
  /** Say what would be done, and do nothing: no file moved or copied, no folder made, nothing cataloged. */
  readonly dryRun?: boolean;
}

async function* filesUnder(folder: string): AsyncGenerator<string> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

const sha256Of = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function startsLikeJpeg(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0xff && buffer[1] === 0xd8;
  } finally {
    await file.close();
  }
}

/**
 * Moves (or copies) the frame images found under `source` into the `<target>/<date>/<stream>/` layout,
 * never over an existing file, and records their new paths in the catalog. A file whose frame is already
 * in place with the same bytes is "already there"; everything else it does not move is listed with why.
 */
export async function organizeFiles(source: string, target: string, options: OrganizeOptions = {}): Promise<OrganizeResult> {
  const { terminal = DEFAULTS.terminal, orm, copy = false, dryRun = false } = options;
  const result: OrganizeResult = { moved: [], alreadyThere: [], left: [] };
  const rows: ImageRow[] = [];
  for await (const path of filesUnder(source)) {
    const leave = (reason: string) => result.left.push({ path, reason });
    const extension = extname(path).toLowerCase();
    if (extension !== '.jpg' && extension !== '.jpeg') {
      leave('not a .jpg or .jpeg file');
      continue;
    }
    const frame = frameOfFileName(path.slice(path.lastIndexOf('/') + 1), terminal);
    if (!frame) {
      leave('name holds no capture time and stream');
      continue;
    }
    const destination = frameFilePath(target, frame);
    if (resolve(destination) === resolve(path)) {
      leave('already in place');
      continue;
    }
    if (!(await startsLikeJpeg(path))) {
      leave('content is not a JPEG');
      continue;
    }
    // a linked date or stream folder would take the file out of the target
    const link = linkBelowRoot(target, dirname(destination));
    if (link) {
      leave(`${link} is a symbolic link: draydog does not follow links out of the archive`);
      continue;
    }
    // lstat, not a check that follows links: a broken link at the destination is taken too, and kept
    const existing = await lstat(destination).catch(() => undefined);
    if (existing?.isFile() && (await sha256Of(destination)) === (await sha256Of(path))) {
      result.alreadyThere.push({ path, at: destination });
      continue;
    }
    if (existing) {
      leave(`${destination} already exists${existing.isFile() ? ' with other content (another sha256)' : ''}`);
      continue;
    }
    result.moved.push({ from: path, to: destination });
    if (dryRun) continue;
    await (copy
      ? fse.copy(path, destination, { overwrite: false, errorOnExist: true, preserveTimestamps: true })
      : fse.move(path, destination, { overwrite: false }));
    rows.push(await rowOfFile({ kind: 'alreadyExisted', frame, filePath: destination }, target));
  }
  if (orm) await upsertImages(orm, rows, ['filePath', 'fileSize', 'sha256', 'variant']);
  return result;
}
