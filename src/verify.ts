import { createHash } from 'node:crypto';
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { MikroORM } from '@mikro-orm/sqlite';
import { jpegDefect } from './http/jpeg.ts';
import { frameOfFileName } from './organize.ts';
import { DEFAULT_TERMINAL } from './sources/frame-grid.ts';
import { removeStaleTemporaryFiles } from './sinks/frame-files.ts';
import { Image } from './sinks/image-entity.ts';
import { rowOfFile, upsertImages } from './sinks/save-to-catalog.ts';

export type ArchiveProblemKind = 'missingFile' | 'wrongSize' | 'wrongHash' | 'uncataloged' | 'notAJpeg' | 'temporaryFile';

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
  readonly orm: MikroORM;
  /** Root of the image tree. */
  readonly root: string;
  readonly terminal?: string;
  /** Fix the catalog, and move bad files aside so the next download fetches them again. */
  readonly repair?: boolean;
}

const PAGE = 1000;
const temporaryName = /\.draydog-part$/;

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

async function* imageFiles(root: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory() && entry.name !== 'reports') yield* imageFiles(path);
    else if (entry.isFile()) yield path;
  }
}

/** Checks every cataloged file against its size and sha256, and every image on disk against the catalog. */
export async function verifyArchive({ orm, root, terminal = DEFAULT_TERMINAL, repair = false }: VerifyOptions): Promise<VerifyResult> {
  const problems: ArchiveProblem[] = [];
  const catalogedPaths = new Set<string>();
  const rowsToDrop: number[] = [];
  let rowsChecked = 0;
  for (let lastId = 0; ; ) {
    const rows = await orm.em.fork().find(Image, { id: { $gt: lastId } }, { orderBy: { id: 'asc' }, limit: PAGE });
    if (rows.length === 0) break;
    lastId = rows.at(-1)!.id;
    for (const row of rows) {
      rowsChecked += 1;
      catalogedPaths.add(resolve(row.filePath));
      const body = await readFile(row.filePath).catch(() => undefined);
      const problem: ArchiveProblem | undefined = !body
        ? { kind: 'missingFile', path: row.filePath, detail: `cataloged ${row.stream} ${row.capturedAt} has no file` }
        : body.length !== row.fileSize
          ? { kind: 'wrongSize', path: row.filePath, detail: `${body.length} bytes, cataloged ${row.fileSize}` }
          : sha256(body) !== row.sha256
            ? { kind: 'wrongHash', path: row.filePath, detail: `sha256 differs from the catalog's ${row.sha256.slice(0, 12)}…` }
            : undefined;
      if (!problem) continue;
      problems.push(problem);
      if (!repair) continue;
      rowsToDrop.push(row.id);
      if (problem.kind === 'missingFile') {
        problem.repaired = 'row removed; the next download fetches the frame';
      } else {
        await rename(row.filePath, `${row.filePath}.corrupt`);
        problem.repaired = `moved to ${basename(row.filePath)}.corrupt and row removed; the next download fetches the frame`;
      }
    }
  }
  if (rowsToDrop.length > 0) await orm.em.fork().nativeDelete(Image, { id: { $in: rowsToDrop } });

  let filesChecked = 0;
  const rowsToAdd = [];
  for await (const path of imageFiles(root)) {
    if (temporaryName.test(path)) {
      problems.push({ kind: 'temporaryFile', path, detail: 'left by an interrupted run' });
      continue;
    }
    const frame = frameOfFileName(basename(path), terminal);
    if (!frame) continue;
    filesChecked += 1;
    if (catalogedPaths.has(resolve(path))) continue;
    const body = await readFile(path);
    const defect = jpegDefect(body);
    if (defect) {
      problems.push({ kind: 'notAJpeg', path, detail: `${defect}; not cataloged, left alone` });
      continue;
    }
    const problem: ArchiveProblem = { kind: 'uncataloged', path, detail: `${frame.stream} ${frame.capturedAt} on disk without a row` };
    problems.push(problem);
    if (repair) {
      rowsToAdd.push(await rowOfFile({ kind: 'alreadyExisted', frame, filePath: path }));
      problem.repaired = 'row added';
    }
  }
  if (rowsToAdd.length > 0) await upsertImages(orm, rowsToAdd);
  if (repair) {
    for (const problem of problems.filter(({ kind }) => kind === 'temporaryFile')) {
      const folder = problem.path.slice(0, problem.path.lastIndexOf('/'));
      if (removeStaleTemporaryFiles(folder) > 0 || !(await stat(problem.path).catch(() => undefined))) problem.repaired = 'removed';
    }
  }
  return { rowsChecked, filesChecked, problems };
}
