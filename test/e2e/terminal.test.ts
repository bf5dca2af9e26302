// The command line on a real pseudo-terminal: tmux runs `bin/draydog.js` in a detached session and
// `tmux capture-pane` reads back the screen as a user would see it, scrollback included.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { DRAYDOG_BIN, until } from '../support/cli.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('test/e2e/terminal.test.ts skipped: tmux is not installed (apt-get install -y tmux)');

const socket = `draydog-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** The whole screen of a session, scrollback included, wrapped lines joined, colours dropped. */
const screen = (session: string) => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session).replace(/\n+$/, '').split('\n');

/** Runs draydog in a new 140x40 session, as a user at a terminal would (no CI variable), and prints its exit code after it. */
function startInTerminal(session: string, args: readonly string[]): void {
  const command = ['env', '-u', 'CI', '-u', 'NO_COLOR', process.execPath, DRAYDOG_BIN, ...args].map(quote).join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '40', `${command}; echo "EXIT=$?"; sleep 600`);
}

const exitLine = (lines: readonly string[]) => lines.findIndex((line) => line.startsWith('EXIT='));

/** Every log line's first line, as pino-pretty prints it: `[HH:MM:SS.mmm] LEVEL (draydog): message`. */
const LOG_HEADER = /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] (?:INFO|WARN|ERROR) \(draydog\): [^\u2588\u2591]*$/;

describe.skipIf(!hasTmux)('draydog download on a terminal', () => {
  let sim: Simulator;
  let slowSim: Simulator;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'draydog-terminal-'));
    [sim, slowSim] = await Promise.all([
      startSimulator({ timing: 'grid', faults: 'harsh', frameSize: 'small', missing: 0.1, seed: 5 }),
      startSimulator({ timing: 'grid', faults: 'harsh', frameSize: 'small', missing: 0.1, seed: 6, latencyMs: 150 }),
    ]);
  });
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    await Promise.all([sim?.close(), slowSim?.close()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const download = (url: string, dir: string, maxPerDate: number) => [
    'download',
    '--from',
    '2025-09-01',
    '--max-per-date',
    String(maxPerDate),
    '--base-url',
    url,
    '--out',
    join(dir, 'images'),
    '--db',
    join(dir, 'c.sqlite'),
    '--report',
    join(dir, 'report.json'),
    '--retries',
    '1',
    '--retry-delay',
    '1',
    '--max-retry-after',
    '200',
    '--concurrency',
    '4',
  ];

  it('prints the warnings of a run above the bar, intact, and the summary on lines of its own', { timeout: 120_000 }, async () => {
    const dir = join(root, 'warnings');
    startInTerminal('warnings', download(sim.url, dir, 30));
    await until(() => exitLine(screen('warnings')) >= 0, 100_000);

    const lines = screen('warnings');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.stats.failed, 'harsh faults with one retry fail some frames').toBeGreaterThan(0);
    // each failed frame logs one warning; a summary or a bar written over one would break its line
    const warnings = lines.filter((line) => line.includes('WARN'));
    expect(warnings, lines.join('\n')).toHaveLength(report.stats.failed);
    for (const line of lines.filter((text) => /^\[\d/.test(text) || /(INFO|WARN|ERROR) \(/.test(text))) expect(line).toMatch(LOG_HEADER);
    const end = exitLine(lines);
    expect(lines.slice(end - 3, end + 1), lines.join('\n')).toEqual([
      `Done: 60 frames: ${report.stats.downloaded} downloaded${report.stats.thumbnails ? ` (${report.stats.thumbnails} from thumbnails)` : ''}, 0 already there, ${report.stats.notFound} not on the CDN, ${report.stats.failed} failed`,
      expect.stringMatching(/^\S+ \S+ in [\d.]+ s \([\d.]+ frames\/s, \S+ \S+\/s\), \d+ retr(y|ies), success rate [\d.]+ %$/),
      `Report: ${join(dir, 'report.json')}`,
      'EXIT=1',
    ]);
    expect(
      lines.filter((line) => /[\u2588\u2591]/.test(line)),
      'no bar left on the screen',
    ).toEqual([]);
  });

  it('ends cleanly on Ctrl-C: the warning about it intact, the bar gone, the summary on its own lines', { timeout: 120_000 }, async () => {
    const dir = join(root, 'interrupted');
    startInTerminal('ctrl-c', download(slowSim.url, dir, 144));
    await until(() => screen('ctrl-c').some((line) => line.includes('frames |')), 50_000);
    tmux('send-keys', '-t', 'ctrl-c', 'C-c');
    await until(() => exitLine(screen('ctrl-c')) >= 0, 50_000);

    const lines = screen('ctrl-c');
    expect(lines.filter((line) => line.includes('SIGINT'))).toEqual([expect.stringMatching(LOG_HEADER)]);
    const end = exitLine(lines);
    expect(lines[end], lines.join('\n')).toBe('EXIT=130');
    expect(lines[end - 3]).toMatch(/^Interrupted: \d+ frames: \d+ downloaded/);
    expect(lines[end - 1]).toBe(`Report: ${join(dir, 'report.json')}`);
    expect(
      lines.filter((line) => /[\u2588\u2591]/.test(line)),
      'no bar left on the screen',
    ).toEqual([]);
  });
});
