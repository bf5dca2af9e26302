import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as library from '../../src/index.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { DRAYDOG_BIN } from '../support/cli.ts';
import packageJson from '../../package.json' with { type: 'json' };

const root = resolve(import.meta.dirname, '../..');

/** A fresh folder inside the project, so a bundle's external better-sqlite3 resolves as it does for dist/. */
function scratchFolder(prefix: string): string {
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  return mkdtempSync(join(root, 'test-artifacts', prefix));
}

/** `node <args>` with its output. Synchronous: only for runs that need nothing from this process. */
function node(args: readonly string[], cwd = root) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** esbuild's name for a chunk of the command line's bundle (see `chunkNames` in scripts/build.ts). */
const isCommandLineChunk = (name: string) => /^cli-.+-[0-9A-Z]{8}\.js$/.test(name);

/** A module of the bundle and every one its static imports load before it runs (not its `import()`s). */
function loadedWith(file: string, loaded = new Set<string>()): Set<string> {
  if (loaded.has(file)) return loaded;
  loaded.add(file);
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?"(\.\.?\/[^"]+)";/gm)) {
    loadedWith(resolve(dirname(file), specifier), loaded);
  }
  return loaded;
}

/** `node <args>`, leaving this process free to serve the simulator meanwhile. */
function nodeAsync(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: root, env: { ...process.env, CI: '1' } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the build (scripts/build.ts)', () => {
  let out: string;
  let simulator: Simulator;
  beforeAll(async () => {
    out = scratchFolder('build-');
    const build = node([join(root, 'scripts', 'build.ts'), '--outdir', out, '--no-types']);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    simulator = await startSimulator({ seed: 3, timing: 'grid', faults: 'none', missing: 0 });
  }, 60_000);
  afterAll(async () => {
    await simulator?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes the command line and its chunks, the library, the simulator and the writer thread as JavaScript', () => {
    const files = readdirSync(out).filter((name) => name.endsWith('.js') || name.endsWith('.map'));
    expect(files.filter((name) => !isCommandLineChunk(name)).sort()).toEqual([
      'cli.js',
      'index.js',
      'index.js.map',
      'simulator.js',
      'simulator.js.map',
      'writer-thread.js',
    ]);
    expect(files.filter(isCommandLineChunk).length).toBeGreaterThan(0);
  });

  it('the library bundle exports what the sources export', async () => {
    const built = (await import(pathToFileURL(join(out, 'index.js')).href)) as Record<string, unknown>;
    expect(Object.keys(built).sort()).toEqual(Object.keys(library).sort());
  });

  it("the command-line bundle reports draydog's version, Node's and that the bundle runs, wherever it is run from", async () => {
    const launcher = join(out, 'launch.js');
    writeFileSync(launcher, `import { main } from './cli.js';\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    const elsewhere = mkdtempSync(join(tmpdir(), 'draydog-version-'));
    writeFileSync(join(elsewhere, 'package.json'), JSON.stringify({ name: 'someone-else', version: '9.9.9' }));
    try {
      const run = node([launcher, '--version'], elsewhere);
      expect(run.stdout.trim()).toBe(`${packageJson.version} (Node ${process.version}, the bundle)`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('the command-line bundle downloads, writes through its writer thread and catalogs', async () => {
    const data = join(out, 'run');
    const args = [
      join(out, 'launch.js'),
      'download',
      '--from',
      '2025-09-01',
      '--streams',
      'in_gate',
      '--max-per-date',
      '12',
      '--base-url',
      simulator.url,
      '--out',
      join(data, 'images'),
      '--db',
      join(data, 'c.sqlite'),
      '--json',
    ];
    const first = await nodeAsync(args);
    expect(first.stderr).not.toMatch(/"level":[45]0/);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).stats).toMatchObject({ downloaded: 12, failed: 0 });
    expect(readdirSync(join(data, 'images', '2025-09-01', 'in_gate'))).toHaveLength(12);
    const second = await nodeAsync(args);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).stats).toMatchObject({ downloaded: 0, alreadyExisted: 12 });
  });

  it('keeps the S3 SDK and the PostgreSQL driver out of what every command loads, in chunks a run imports when it needs them', () => {
    const atStart = loadedWith(join(out, 'cli.js'));
    const chunks = readdirSync(out)
      .filter(isCommandLineChunk)
      .map((name) => join(out, name));
    const textOf = (files: readonly string[]) => files.map((file) => readFileSync(file, 'utf8')).join('\n');
    const loadedAtStart = textOf([...atStart]);
    const loadedWhenNeeded = textOf(chunks.filter((chunk) => !atStart.has(chunk)));
    for (const dependency of ['@aws-sdk/client-s3', '@mikro-orm/postgresql', 'pg']) {
      // esbuild heads each bundled module with its path
      const bundled = new RegExp(`^// (\\.\\./)*node_modules/${dependency}/`, 'm');
      expect(loadedAtStart, dependency).not.toMatch(bundled);
      expect(loadedWhenNeeded, dependency).toMatch(bundled);
    }
    expect(loadedAtStart).toMatch(/^\/\/ (\.\.\/)*node_modules\/@mikro-orm\/sqlite\//m);
  });
});

describe('bin/draydog.js', () => {
  // a copy of the launcher beside a stand-in bundle and stand-in sources that say which one ran
  let project: string;
  const run = () => node([join(project, 'bin', 'draydog.js')], project).stdout.trim();
  const age = (path: string, secondsAgo: number) => {
    const time = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path, time, time);
  };
  beforeAll(() => {
    project = scratchFolder('launcher-');
    for (const folder of ['bin', 'dist', 'src/cli']) mkdirSync(join(project, folder), { recursive: true });
    for (const file of ['draydog.js', 'entry.js']) copyFileSync(join(dirname(DRAYDOG_BIN), file), join(project, 'bin', file));
    const entry = (name: string) => `export async function main() { console.log('${name}'); return 0; }\n`;
    writeFileSync(join(project, 'src', 'cli.ts'), entry('sources'));
    writeFileSync(join(project, 'src', 'cli', 'part.ts'), '');
    writeFileSync(join(project, 'dist', 'cli.js'), entry('bundle'));
    for (const path of ['src/cli/part.ts', 'src/cli', 'src/cli.ts', 'src']) age(join(project, path), 60);
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('runs the bundle while it is newer than every source', () => {
    expect(run()).toBe('bundle');
  });

  it('runs the sources once a file in them changed after the build', () => {
    age(join(project, 'src', 'cli', 'part.ts'), 0);
    expect(run()).toBe('sources');
    age(join(project, 'src', 'cli', 'part.ts'), 60);
  });

  it('runs the sources once a file was removed from them after the build', () => {
    rmSync(join(project, 'src', 'cli', 'part.ts'));
    expect(run()).toBe('sources');
    age(join(project, 'src', 'cli'), 60);
    expect(run()).toBe('bundle');
  });

  it("is not thrown by a link to nowhere among the sources (an editor's lock file): the sources are being edited", () => {
    const lock = join(project, 'src', 'cli', '.#part.ts');
    symlinkSync('someone@host.1234:1700000000', lock);
    try {
      expect(run()).toBe('sources');
    } finally {
      rmSync(lock);
      age(join(project, 'src', 'cli'), 60);
    }
    expect(run()).toBe('bundle');
  });

  it('runs the sources once npm changed the installed dependencies after the build', () => {
    mkdirSync(join(project, 'node_modules'));
    const installed = join(project, 'node_modules', '.package-lock.json');
    writeFileSync(installed, '{}');
    expect(run()).toBe('sources');
    age(installed, 120);
    expect(run()).toBe('bundle');
  });

  it('runs the bundle where there are no sources (an installed package) and the sources where nothing is built', () => {
    rmSync(join(project, 'dist'), { recursive: true });
    expect(run()).toBe('sources');
    mkdirSync(join(project, 'dist'));
    writeFileSync(join(project, 'dist', 'cli.js'), `export async function main() { console.log('bundle'); return 0; }\n`);
    rmSync(join(project, 'src'), { recursive: true });
    expect(run()).toBe('bundle');
  });
});

describe('the package (npm pack)', () => {
  // packed from a copy of the project, so that its build does not empty the dist/ other tests run
  let copy: string;
  let packed: string;
  beforeAll(() => {
    copy = scratchFolder('pack-');
    for (const path of ['package.json', 'LICENSE', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'scripts', 'src']) {
      if (existsSync(join(root, path))) cpSync(join(root, path), join(copy, path), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const pack = spawnSync('npm', ['pack', '--pack-destination', copy], { cwd: copy, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    packed = join(copy, 'unpacked');
    mkdirSync(packed);
    const untar = spawnSync('tar', ['-xzf', join(copy, `draydog-${packageJson.version}.tgz`), '-C', packed, '--strip-components', '1']);
    expect(untar.status).toBe(0);
  }, 180_000);
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('carries the MIT license and a manifest without scripts, and leaves package.json as it was', () => {
    expect(readFileSync(join(packed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} draydog contributors\n/);
    const manifest = JSON.parse(readFileSync(join(packed, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('MIT');
    expect(manifest.scripts).toBeUndefined();
    expect(readFileSync(join(copy, 'package.json'), 'utf8')).toBe(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(readdirSync(copy).filter((name) => name.startsWith('package.json'))).toEqual(['package.json']);
  });

  it('compiles in a TypeScript project with default settings (skipLibCheck false)', { timeout: 180_000 }, () => {
    const user = join(copy, 'user');
    mkdirSync(join(user, 'node_modules'), { recursive: true });
    cpSync(packed, join(user, 'node_modules', 'draydog'), { recursive: true });
    writeFileSync(join(user, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(user, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(user, 'main.ts'),
      `import { lastValueFrom } from 'rxjs';\nimport { frameRange, openCatalog, runDownload } from 'draydog';\n` +
        `const orm = await openCatalog({ dbPath: 'c.sqlite' });\nconst report = await runDownload({ from: '2025-09-01', orm });\n` +
        `console.log(report.stats.retries, await lastValueFrom(frameRange({ from: '2025-09-01' })));\n`,
    );
    // the project's own dependencies stand for the user's: node_modules of the folders above are searched too
    const tsc = node([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', user], user);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});
