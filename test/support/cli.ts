import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.ts';

/** The installed entry point, as `npx draydog` runs it. */
export const DRAYDOG_BIN = fileURLToPath(new URL('../../bin/draydog.js', import.meta.url));

export interface CliRun {
  /** The exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** The folder the user runs the command in. */
  readonly cwd: string;
  /** Added to (or, with undefined, removed from) the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The process is killed after this long; default 20 s. */
  readonly timeoutMs?: number;
  /** Run `bin/draydog.js` as a child process instead of calling `main` in this process. */
  readonly spawned?: boolean;
}

/** The runner's environment without DRAYDOG_* variables, with CI=1 (no progress bar) and `extra` on top. */
function cliEnvironment(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DRAYDOG_')));
  Object.assign(env, { CI: '1', NO_COLOR: '1' }, extra);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

/**
 * Runs the command line and collects its output: by default `main` in this process (one run at a
 * time, since it takes over the working folder and the environment) so coverage sees it; with
 * `spawned`, `node bin/draydog.js ...args` as a child process, exactly as a user runs it.
 */
export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  if (options.spawned) return runSpawned(args, options);
  const run = inProcessQueue.then(() => runInProcess(args, options));
  inProcessQueue = run.catch(() => undefined);
  return run;
}

let inProcessQueue: Promise<unknown> = Promise.resolve();

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function runInProcess(args: readonly string[], { cwd, env }: RunCliOptions): Promise<CliRun> {
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  const stdout = new Collector();
  const stderr = new Collector();
  process.env = cliEnvironment(env);
  process.chdir(cwd);
  try {
    const code = await main(args, { stdout, stderr, env: process.env });
    return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    process.chdir(savedCwd);
    process.env = savedEnv;
  }
}

function runSpawned(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  return startCli(args, options).finished;
}

export interface StartedCli {
  readonly child: ChildProcess;
  readonly finished: Promise<CliRun>;
}

/** Starts `node bin/draydog.js ...args` as a child process, to signal or kill it while it runs. */
export function startCli(args: readonly string[], { cwd, env, timeoutMs = 20_000 }: RunCliOptions): StartedCli {
  const child = spawn(process.execPath, [DRAYDOG_BIN, ...args], { cwd, env: cliEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const finished = new Promise<CliRun>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
  return { child, finished };
}

/** Every file and folder under `root` as sorted relative paths, folders ending with `/`. */
export function listTree(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .map((entry) => {
      const path = join(entry.parentPath, entry.name).slice(root.length + 1);
      return entry.isDirectory() ? `${path}/` : path;
    })
    .sort();
}

/** Resolves once `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Presses Ctrl-C twice, 100 ms apart; resolves with the run and how long it took to end after the second. */
export async function interruptTwice(run: StartedCli): Promise<{ result: CliRun; msAfterSecond: number }> {
  run.child.kill('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const signalledAt = Date.now();
  run.child.kill('SIGINT');
  const result = await run.finished;
  return { result, msAfterSecond: Date.now() - signalledAt };
}

/** The message of a command's summary: off a terminal, the JSON line of stderr marked `summary`. */
export function summaryOf(stderr: string): string | undefined {
  const logged = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { summary?: boolean; msg?: string });
  return logged.find((line) => line.summary)?.msg;
}

/** The message of the last line on stderr, which off a terminal is a JSON log line. */
export function lastMessageOf(stderr: string): string | undefined {
  const last = stderr.trimEnd().split('\n').at(-1);
  return last?.startsWith('{') ? (JSON.parse(last) as { msg?: string }).msg : last;
}

/** The messages logged at the warning level, off a terminal one JSON line each. */
export function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level?: number; msg?: string })
    .filter((line) => line.level === 40)
    .map((line) => line.msg ?? '');
}

/**
 * `draydog download` of `from`..`to` from the CDN at `baseUrl`, with a report, short backoff and
 * Retry-After caps so a harsh simulator does not stretch a test, then `more` flags.
 */
export function quickDownloadArgs(
  { from, to = from, baseUrl, out, db }: { from: string; to?: string; baseUrl: string; out: string; db: string },
  ...more: string[]
): string[] {
  const range = to === from ? ['--from', from] : ['--from', from, '--to', to];
  return ['download', ...range, '--base-url', baseUrl, '--out', out, '--db', db, '--report', 'report.json', ...QUICK_FETCH_ARGS, ...more];
}

/** The dashboard's address a started command logs (`dashboard at <url>; …`), once it has. */
export async function dashboardUrl(run: StartedCli): Promise<string> {
  let stderr = '';
  run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await until(() => /dashboard at (\S+?);/.test(stderr), 60_000);
  return /dashboard at (\S+?);/.exec(stderr)![1];
}

/** Short backoff and Retry-After caps, so that a harsh simulator does not stretch a test. */
export const QUICK_FETCH_ARGS = ['--retry-delay', '20', '--max-retry-after', '100', '--concurrency', '8'];
