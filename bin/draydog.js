#!/usr/bin/env node
// Runs the built command line (dist/cli.js, one file: see scripts/build.ts) unless a file in src/
// changed after it was built; then the TypeScript sources run directly (Node >= 22.19 strips the
// types), so an edit is never hidden behind a stale build. The compile cache (in the system's
// temporary folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps compiled code between runs.
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';

module.enableCompileCache?.();

function builtAt(url) {
  return statSync(url, { throwIfNoEntry: false })?.mtimeMs;
}

/** A file or folder (a folder changes when a file in it is added, removed or renamed) newer than `time`. */
function sourcesChangedSince(time) {
  const sources = new URL('../src/', import.meta.url);
  const changed = (path) => statSync(path).mtimeMs > time;
  let entries;
  try {
    entries = readdirSync(sources, { recursive: true, withFileTypes: true });
  } catch {
    return false; // an installed package ships no sources
  }
  return changed(sources) || entries.some((entry) => changed(`${entry.parentPath}/${entry.name}`));
}

const bundle = new URL('../dist/cli.js', import.meta.url);
const built = builtAt(bundle);
const { main } = await import(built !== undefined && !sourcesChangedSince(built) ? bundle.href : '../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
