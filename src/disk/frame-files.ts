import { lstatSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FailedItem, FrameRef } from '../items.ts';
import { nameWithoutReplacing } from './atomic-write.ts';

const temporarySuffix = '.draydog-part';
const temporaryPattern = /\.(\d+)-\d+\.draydog-part$/;
let temporaryCounter = 0;
/** Temporary files being written now, so an abort can remove them before the process exits. */
const activeTemporaryFiles = new Set<string>();

/**
 * A name beside the final file that no other writer uses and that a later run recognises as ours;
 * tracked until `releaseTemporaryPath`.
 */
export function temporaryPathFor(finalPath: string): string {
  temporaryCounter += 1;
  const path = `${finalPath}.${process.pid}-${temporaryCounter}${temporarySuffix}`;
  activeTemporaryFiles.add(path);
  return path;
}

export function releaseTemporaryPath(path: string): void {
  activeTemporaryFiles.delete(path);
}

/** Removes the temporary files being written now: for a process about to exit without finishing them. */
export function removeActiveTemporaryFiles(): number {
  const count = activeTemporaryFiles.size;
  for (const path of activeTemporaryFiles) rmSync(path, { force: true });
  activeTemporaryFiles.clear();
  return count;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files that runs which are no longer alive left in `dir`; returns how many. */
export function removeStaleTemporaryFiles(dir: string): number {
  return sweepFolder(dir).removed;
}

export interface FrameFolderListing {
  /** Names of regular files. */
  readonly files: Set<string>;
  /** Names of symbolic links: never followed, never taken for a frame. */
  readonly links: Set<string>;
}

/**
 * The names of the files and of the links in `dir` (none when it does not exist), after removing the
 * temporary files that runs which are no longer alive left there.
 */
export function listFrameFolder(dir: string): FrameFolderListing {
  return sweepFolder(dir);
}

function sweepFolder(dir: string): FrameFolderListing & { removed: number } {
  const files = new Set<string>();
  const links = new Set<string>();
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { files, links, removed: 0 };
  }
  let removed = 0;
  for (const entry of entries) {
    if (entry.isSymbolicLink()) links.add(entry.name);
    if (!entry.isFile()) continue;
    const owner = temporaryPattern.exec(entry.name);
    const pid = Number(owner?.[1]);
    if (owner && pid !== process.pid && !isProcessAlive(pid)) {
      rmSync(join(dir, basename(entry.name)), { force: true });
      removed += 1;
    } else {
      files.add(entry.name);
    }
  }
  return { files, links, removed };
}

/** Sweeps each folder once per instance, the first time a frame of it is seen. */
export function staleTemporaryFileSweeper(): (dir: string) => void {
  const swept = new Set<string>();
  return (dir) => {
    if (swept.has(dir)) return;
    swept.add(dir);
    removeStaleTemporaryFiles(dir);
  };
}

/** Whether `path` is `root` or below it, by name (links are not resolved: see `linkBelowRoot`). */
export function isUnderRoot(root: string, path: string): boolean {
  const inside = relative(resolve(root), resolve(path));
  return !isAbsolute(inside) && inside.split(sep)[0] !== '..';
}

/**
 * The first folder below `root` on the way to `folder` that is a symbolic link, if any: draydog does
 * not follow one, since it could lead out of the archive. `root` itself may be a link (the user chose it).
 */
export function linkBelowRoot(root: string, folder: string): string | undefined {
  let path = root;
  for (const part of relative(root, folder).split(sep).filter(Boolean)) {
    path = join(path, part);
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return path;
  }
  return undefined;
}

/** Gives a bad frame file a name beside it, `.corrupt` (`.corrupt-2`, … when taken: none is replaced), so the next download fetches the frame again. */
export function moveAside(path: string): string {
  for (let attempt = 1; ; attempt += 1) {
    const aside = attempt === 1 ? `${path}.corrupt` : `${path}.corrupt-${attempt}`;
    if (nameWithoutReplacing(path, aside) === 'written') return aside;
  }
}

/** A frame that fails because `link`, its folder or its final name, is a symbolic link draydog does not follow. */
export function linkFailure(frame: FrameRef, url: string, attempts: number, link: string): FailedItem {
  const error = `${link} is a symbolic link: draydog does not follow links out of the archive, left alone`;
  return { kind: 'failed', stage: 'place', frame, url, error, attempts };
}
