// `npm run build` (also run by `npm ci`/`npm install` through `prepare`, and before `npm pack`):
//
//   dist/cli.js            the command line in one file with its dependencies, for a fast start;
//   dist/cli-*-<hash>.js   its chunks: what only some of its runs load (the S3 SDK, the PostgreSQL
//                          driver) and what those share with the rest
//                          (bin/draydog.js runs it unless it may be stale: see bin/entry.js)
//   dist/index.js          the library, dependencies left to the user's node_modules, so a user's
//                          rxjs and MikroORM are the ones the operators and entities use
//   dist/simulator.js      the loopback camera, `draydog/simulator`
//   dist/writer-thread.js  the file-writing thread both start (see src/disk/writer-threads.ts)
//   dist/types/            declarations for the library
//
// Node refuses to strip types under node_modules, so an installed package needs JavaScript; and
// one bundled file starts in about half the time of a hundred modules resolved and loaded one by one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type BuildOptions } from 'esbuild';

// --outdir and --no-types let a test build a copy elsewhere in the project (see test/e2e/build.test.ts)
const { values: flags } = parseArgs({ options: { outdir: { type: 'string' }, 'no-types': { type: 'boolean', default: false } } });
const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, flags.outdir ?? 'dist');

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  outdir: dist,
  logLevel: 'warning',
};

const commandLine: BuildOptions = {
  ...common,
  // a native addon and an optional peer stay outside; CommonJS dependencies bundled into ES
  // modules still call `require` for Node's built-in modules
  external: ['better-sqlite3', 'playwright-core'],
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
};

// emptied first, so nothing of an older build lingers; only a folder that holds a build, or nothing
const existing = existsSync(dist) ? readdirSync(dist) : [];
if (existing.length > 0 && !existing.includes('cli.js')) {
  console.error(`build: refusing to empty ${dist}: it holds files but no earlier build (no cli.js)`);
  process.exit(2);
}
rmSync(dist, { recursive: true, force: true });
await Promise.all([
  build({
    ...commandLine,
    entryPoints: { cli: 'src/cli.ts' },
    // what only some runs use (the S3 SDK, the PostgreSQL driver) is imported when it is needed and
    // goes to a chunk of its own: a download to a folder and a SQLite catalog never loads it. Beside
    // cli.js, not in a folder: code that finds writer-thread.js beside itself may land in a chunk.
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
  }),
  // apart, so that a writer thread loads one small file and none of the command line's chunks
  build({ ...commandLine, entryPoints: { 'writer-thread': 'src/disk/writer-thread.ts' } }),
  build({ ...common, entryPoints: { index: 'src/index.ts', simulator: 'src/simulator/index.ts' }, packages: 'external', sourcemap: true }),
]);

if (!flags['no-types']) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const declarations = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dist, 'types')], {
    stdio: 'inherit',
  });
  if (declarations.status !== 0) process.exit(declarations.status ?? 1);
}
