// Which command line to run: the bundle (dist/cli.js, see scripts/build.ts) unless a file in src/
// changed after it was built; then the TypeScript sources (Node >= 22.19 strips the types), so an
// edit is never hidden behind a stale build. An installed package ships no sources.
import { readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/**
 * A file or folder (a folder changes when a file in it is added, removed or renamed) newer than `time`.
 * @param {number} time
 */
function sourcesChangedSince(time) {
  const changed = (/** @type {URL | string} */ path) => statSync(path).mtimeMs > time;
  let entries;
  try {
    entries = readdirSync(sources, { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  return changed(sources) || entries.some((entry) => changed(`${entry.parentPath}/${entry.name}`));
}

/**
 * The module that exports the command line's `main`; `built` is false for the sources.
 * @returns {{ url: URL; built: boolean }}
 */
export function cliEntry() {
  const builtAt = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt !== undefined && !sourcesChangedSince(builtAt)) return { url: bundle, built: true };
  return { url: new URL('cli.ts', sources), built: false };
}
