import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import { jpegDefect } from '../frame/jpeg.ts';
import type { FrameRef } from '../items.ts';
import { isUnderRoot, linkBelowRoot, moveAside, removeStaleTemporaryFiles } from '../disk/frame-files.ts';
import { Image } from '../catalog/image-entity.ts';
import { catalogPath, rowOfFile, upsertImages } from '../catalog/images.ts';
import { DEFAULTS } from '../settings.ts';
import { frameKey, frameOfFileName } from '../frame/layout.ts';
import { LARGEST_FRAME_BYTES } from '../settings.ts';

export type ArchiveProblemKind =
  | 'missingFile'
  | 'wrongSize'
  | 'wrongHash'
  | 'moved'
  | 'uncataloged'
  | 'notAJpeg'
  | 'link'
  | 'temporaryFile'
  | 'unreadable';

export interface ArchiveProblem {
  readonly kind: ArchiveProblemKind;
  readonly path: string;
  readonly detail: string;
  /** What `--repair` did about it, when it did something. */
  repaired?: string;
}

export interface VerifyResult {
  readonly rowsChecked: number;
  readonly filesChecked: number;
  readonly problems: ArchiveProblem[];
}

export interface VerifyOptions {
  readonly orm: CatalogOrm;
  /** Root of the image tree. */
  readonly root: string;
  readonly terminal?: string;
  /** Fix the catalog, and move bad files aside so the next download fetches them again. */
  readonly repair?: boolean;
}

const PAGE = 1000;
const temporaryName = /\.draydog-part$/;

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** The bytes of a file to check, or why they were not read: one file that cannot be read must not stop the check of the others. */
async function readToCheck(path: string, size: number): Promise<Buffer | string> {
  if (size > LARGEST_FRAME_BYTES) return `${size} bytes, larger than any frame: not read, left alone`;
  try {
    return await readFile(path);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `cannot be read (${code ?? message}): left alone`;
  }
}

/** The files under `root`, `reports/` aside; links are reported as links, never followed (one could lead out of the archive). */
async function* archiveEntries(root: string): AsyncGenerator<{ path: string; link: boolean }> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory() && entry.name !== 'reports') yield* archiveEntries(path);
    else if (entry.isFile() || entry.isSymbolicLink()) yield { path, link: entry.isSymbolicLink() };
  }
}

interface CatalogRow {
  readonly id: number;
  readonly frame: FrameRef;
  readonly filePath: string;
  readonly fileSize: number;
  readonly sha256: string;
}

/**
 * Checks every cataloged file against its size and sha256, and every image on disk against the
 * catalog. Catalog paths are read relative to `root` (absolute ones of earlier versions too). A row
 * whose file is not where it says (an archive moved or copied, a row pointing out of the archive) is
 * matched by frame (stream and capture time) to a file under `root`: the same sha256 and `--repair`
 * updates its path; another sha256 is a wrong hash, never taken as the new one. With `--repair` only
 * files under `root` are touched, and a file that is not a whole JPEG is never cataloged: it is moved
 * aside as `*.corrupt`, so the next download fetches the frame again.
 */
export async function verifyArchive({ orm, root, terminal = DEFAULTS.terminal, repair = false }: VerifyOptions): Promise<VerifyResult> {
  const problems: ArchiveProblem[] = [];
  /** Frame keys of the rows whose file is where the row says, with that file (an absolute path). */
  const located = new Map<string, string>();
  /** Rows whose file is not under `root` where the row says, by frame key. */
  const unlocated = new Map<string, CatalogRow>();
  const rowsToDrop: number[] = [];
  const pathsToUpdate: { id: number; filePath: string }[] = [];
  const report = (problem: ArchiveProblem) => {
    problems.push(problem);
    return problem;
  };
  const setAside = async (path: string, problem: ArchiveProblem, rowId?: number) => {
    const aside = moveAside(path);
    if (rowId !== undefined) rowsToDrop.push(rowId);
    problem.repaired = `moved to ${basename(aside)}${rowId === undefined ? '' : ' and row removed'}; the next download fetches the frame`;
  };

  let rowsChecked = 0;
  for (let lastId = 0; ; ) {
    const rows = await orm.em.fork().find(Image, { id: { $gt: lastId } }, { orderBy: { id: 'asc' }, limit: PAGE });
    if (rows.length === 0) break;
    lastId = rows.at(-1)!.id;
    for (const { id, terminal: rowTerminal, stream, capturedAt, filePath, fileSize, sha256: known } of rows) {
      rowsChecked += 1;
      const row: CatalogRow = {
        id,
        frame: { terminal: rowTerminal, stream, capturedAt, date: capturedAt.slice(0, 10) },
        filePath,
        fileSize,
        sha256: known,
      };
      const path = resolve(root, filePath);
      const onDisk = isUnderRoot(root, path) && !linkBelowRoot(root, dirname(path)) ? await stat(path).catch(() => undefined) : undefined;
      if (!onDisk?.isFile()) {
        unlocated.set(frameKey(row.frame), row);
        continue;
      }
      located.set(frameKey(row.frame), path);
      if (onDisk.size !== fileSize) {
        const problem = report({ kind: 'wrongSize', path, detail: `${onDisk.size} bytes, cataloged ${fileSize}` });
        if (repair) await setAside(path, problem, id);
        continue;
      }
      const body = await readToCheck(path, onDisk.size);
      if (typeof body === 'string') {
        report({ kind: 'unreadable', path, detail: body });
        continue;
      }
      const problem =
        sha256(body) !== known
          ? report({ kind: 'wrongHash', path, detail: `sha256 differs from the catalog's ${known.slice(0, 12)}…` })
          : undefined;
      if (problem && repair) await setAside(path, problem, id);
    }
  }

  let filesChecked = 0;
  const rowsToAdd = [];
  for await (const { path, link } of archiveEntries(root)) {
    if (temporaryName.test(path)) {
      if (!link) report({ kind: 'temporaryFile', path, detail: 'left by an interrupted run' });
      continue;
    }
    const frame = frameOfFileName(basename(path), terminal);
    if (!frame) continue;
    filesChecked += 1;
    const key = frameKey(frame);
    if (link) {
      report({
        kind: 'link',
        path,
        detail: `a symbolic link where ${frame.stream} ${frame.capturedAt} belongs: not followed, not cataloged, left alone`,
      });
      continue;
    }
    if (located.get(key) === resolve(path)) continue;
    const body = await readToCheck(path, (await stat(path)).size);
    if (typeof body === 'string') {
      report({ kind: 'unreadable', path, detail: body });
      continue;
    }
    const defect = jpegDefect(body);
    if (defect) {
      const problem = report({ kind: 'notAJpeg', path, detail: `${defect}; not cataloged` });
      if (repair) await setAside(path, problem);
      continue;
    }
    const row = unlocated.get(key);
    if (row) {
      unlocated.delete(key);
      located.set(key, resolve(path));
      if (body.length === row.fileSize && sha256(body) === row.sha256) {
        const problem = report({
          kind: 'moved',
          path,
          detail: `${frame.stream} ${frame.capturedAt} is cataloged at ${row.filePath}; same sha256`,
        });
        if (repair) {
          pathsToUpdate.push({ id: row.id, filePath: catalogPath(path, root) });
          problem.repaired = 'row points to it';
        }
      } else {
        const problem = report({
          kind: 'wrongHash',
          path,
          detail: `sha256 differs from the catalog's ${row.sha256.slice(0, 12)}… for ${frame.stream} ${frame.capturedAt}`,
        });
        if (repair) await setAside(path, problem, row.id);
      }
      continue;
    }
    if (located.has(key)) {
      report({
        kind: 'uncataloged',
        path,
        detail: `${frame.stream} ${frame.capturedAt} is cataloged as ${located.get(key)}; this copy is left alone`,
      });
      continue;
    }
    const problem = report({ kind: 'uncataloged', path, detail: `${frame.stream} ${frame.capturedAt} on disk without a row` });
    located.set(key, resolve(path));
    if (repair) {
      rowsToAdd.push(await rowOfFile({ kind: 'alreadyExisted', frame, filePath: path }, root));
      problem.repaired = 'row added';
    }
  }

  // with no cataloged frame found under root at all, --out is more likely wrong than every file gone
  const rootHoldsTheCatalog = located.size > 0;
  for (const row of unlocated.values()) {
    const path = resolve(root, row.filePath);
    const missing = `cataloged ${row.frame.stream} ${row.frame.capturedAt} has no file${isUnderRoot(root, path) ? '' : ` under ${root}`}`;
    const kept = repair && !rootHoldsTheCatalog ? `; no cataloged frame is under ${root} (is --out right?): row kept` : '';
    const problem = report({ kind: 'missingFile', path, detail: `${missing}${kept}` });
    if (repair && rootHoldsTheCatalog) {
      rowsToDrop.push(row.id);
      problem.repaired = 'row removed; the next download fetches the frame';
    }
  }

  if (rowsToDrop.length > 0) await orm.em.fork().nativeDelete(Image, { id: { $in: rowsToDrop } });
  for (const { id, filePath } of pathsToUpdate) await orm.em.fork().nativeUpdate(Image, { id }, { filePath });
  if (rowsToAdd.length > 0) await upsertImages(orm, rowsToAdd);
  if (repair) {
    for (const problem of problems.filter(({ kind }) => kind === 'temporaryFile')) {
      if (removeStaleTemporaryFiles(dirname(problem.path)) > 0 || !(await stat(problem.path).catch(() => undefined)))
        problem.repaired = 'removed';
    }
  }
  return { rowsChecked, filesChecked, problems };
}
