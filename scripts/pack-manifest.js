// `prepack` and `postpack`: the package.json inside the tarball keeps no scripts. Every one of them
// (prepare, build, demo, bench, test, typecheck) runs a file or a tool the package does not ship, and
// npm lists a `prepare` among the install scripts of a dependency. `strip` keeps the file as it was
// beside it and writes it without `scripts` for npm to pack; `restore` puts it back. npm runs
// `postpack` from the manifest it read before `prepack`, so the restore runs although the packed
// file names no scripts. Plain JavaScript, as it may run on any Node npm runs on.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const kept = new URL('../package.json.before-pack', import.meta.url);

if (process.argv[2] === 'strip') {
  if (existsSync(kept)) {
    console.error(
      'pack-manifest: package.json.before-pack exists: an earlier pack did not finish; run `node scripts/pack-manifest.js restore` first',
    );
    process.exit(1);
  }
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(kept, text);
  const { scripts: _scripts, ...published } = JSON.parse(text);
  writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`);
} else if (process.argv[2] === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  console.error('usage: node scripts/pack-manifest.js strip|restore');
  process.exit(2);
}
