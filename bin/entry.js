// Which command line to run: the bundle (dist/cli.js, see scripts/build.ts) unless it may be stale,
// then the TypeScript sources (Node >= 22.19 strips the types), so an edit is never hidden behind an
// old build. It may be stale when something in src/ changed after it was built, or the installed
// dependencies did (`npm install <package>` does not rebuild). An installed package ships no sources.
import { lstatSync, readdirSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);
// rewritten by every npm install, ci, update and uninstall in a clone
const installedDependencies = new URL('../node_modules/.package-lock.json', import.meta.url);

/**
 * Newer than `time`, or gone since it was listed. lstat, not stat: an editor's lock file may be a
 * link to nowhere.
 * @param {URL | string} path
 * @param {number} time
 */
function changedSince(path, time) {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  return stats === undefined || stats.mtimeMs > time;
}

/**
 * A file or folder (a folder changes when a file in it is added, removed or renamed) newer than `time`.
 * @param {number} time
 */
function sourcesChangedSince(time) {
  let entries;
  try {
    entries = readdirSync(sources, { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  return changedSince(sources, time) || entries.some((entry) => changedSince(`${entry.parentPath}/${entry.name}`, time));
}

/**
 * An npm command changed node_modules after `time` (not in an installed package: no such file there).
 * @param {number} time
 */
function dependenciesChangedSince(time) {
  return (lstatSync(installedDependencies, { throwIfNoEntry: false })?.mtimeMs ?? 0) > time;
}

/**
 * The module that exports the command line's `main`; `built` is false for the sources.
 * @returns {{ url: URL; built: boolean }}
 */
export function cliEntry() {
  const builtAt = lstatSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  const fresh = builtAt !== undefined && !sourcesChangedSince(builtAt) && !dependenciesChangedSince(builtAt);
  return fresh ? { url: bundle, built: true } : { url: new URL('cli.ts', sources), built: false };
}
