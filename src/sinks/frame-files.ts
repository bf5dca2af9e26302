import { readdirSync, rmSync, statSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';
import type { FrameRef } from '../items.ts';

const temporarySuffix = '.draydog-part';
const temporaryPattern = /\.(\d+)-\d+\.draydog-part$/;
let temporaryCounter = 0;
/** Temporary files being written now, so an abort can remove them before the process exits. */
const activeTemporaryFiles = new Set<string>();

/** `<root>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`, from the frame's UTC capture time. */
export function frameFilePath(root: string, frame: FrameRef): string {
  const compact = frame.capturedAt.replace(/[-T:]/g, '');
  return join(root, frame.date, frame.stream, `${compact}_${frame.stream}.jpg`);
}

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

/**
 * The names of the files in `dir`, links to files included (none when it does not exist), after removing the
 * temporary files that runs which are no longer alive left there.
 */
export function listFrameFolder(dir: string): Set<string> {
  return sweepFolder(dir).files;
}

function sweepFolder(dir: string): { files: Set<string>; removed: number } {
  const files = new Set<string>();
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { files, removed: 0 };
  }
  let removed = 0;
  for (const entry of entries) {
    // a frame is there when its name is a file, or a link to one (as a stat that follows links says)
    if (!entry.isFile() && !(entry.isSymbolicLink() && statSync(join(dir, entry.name), { throwIfNoEntry: false })?.isFile())) continue;
    const owner = temporaryPattern.exec(entry.name);
    const pid = Number(owner?.[1]);
    if (owner && pid !== process.pid && !isProcessAlive(pid)) {
      rmSync(join(dir, basename(entry.name)), { force: true });
      removed += 1;
    } else {
      files.add(entry.name);
    }
  }
  return { files, removed };
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
