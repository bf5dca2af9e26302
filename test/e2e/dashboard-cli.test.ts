// --ui on the command line: the watch's metrics server and the dashboard are one server, and bad
// dashboard options are one line with exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSnapshot } from '../../src/dashboard/run-state.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { runCli, startCli, until } from '../support/cli.ts';

let sim: Simulator;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-dashboard-cli-'));
  sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.1, seed: 9 });
});
afterAll(async () => {
  await sim?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));

describe('--ui on the command line', () => {
  it.each([
    [['download', '--from', '2025-09-01', '--ui', '70000'], '--ui "70000"'],
    [['download', '--from', '2025-09-01', '--ui', 'x'], '--ui "x"'],
    [['watch', '--ui', '8080', '--metrics-port', '9464'], '--metrics-port "9464" with --ui "8080"'],
    [['dashboard', '--db', 'nothing.sqlite'], '--db "nothing.sqlite"'],
    [['dashboard', '--db', 'notes.sqlite'], 'not a SQLite database'],
    [['dashboard', '--from', '2025-09-02', '--to', '2025-09-01'], '--to 2025-09-01 is before --from 2025-09-02'],
  ])('refuses %j with one line and exit 2', async (args, named) => {
    const cwd = freshDir('bad');
    writeFileSync(join(cwd, 'notes.sqlite'), 'my notes');
    const run = await runCli(args, { cwd });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trimEnd().split('\n'), run.stderr).toHaveLength(1);
    expect(run.stderr).toContain(named);
  });

  it('download, watch and dashboard --help name --ui and --ui-host', async () => {
    for (const command of ['download', 'watch', 'dashboard']) {
      const help = await runCli([command, '--help'], { cwd: freshDir('help'), spawned: true });
      expect(help.stdout, command).toContain('--ui ');
      expect(help.stdout, command).toContain('--ui-host');
    }
  });

  it('download --ui logs where the dashboard is, and changes nothing of the run', { timeout: 60_000 }, async () => {
    const args = (cwd: string) => [
      'download',
      '--from',
      '2025-09-01',
      '--max-per-date',
      '30',
      '--base-url',
      sim.url,
      '--out',
      join(cwd, 'images'),
      '--db',
      join(cwd, 'catalog.sqlite'),
      '--json',
    ];
    const plainDir = freshDir('plain');
    const uiDir = freshDir('ui');
    const plain = await runCli(args(plainDir), { cwd: plainDir });
    const watched = await runCli([...args(uiDir), '--ui'], { cwd: uiDir });
    expect([plain.code, watched.code], watched.stderr).toEqual([0, 0]);
    expect(watched.stderr).toMatch(/"msg":"dashboard at http:\/\/127\.0\.0\.1:\d+\/; \/api\/state and \/metrics on the same server"/);
    const counts = (run: { stdout: string }) => {
      const { requested, downloaded, alreadyExisted, notFound, failed, bytes } = (
        JSON.parse(run.stdout) as { stats: Record<string, number> }
      ).stats;
      return { requested, downloaded, alreadyExisted, notFound, failed, bytes };
    };
    expect(counts(watched)).toEqual(counts(plain));
    expect(counts(watched).downloaded).toBeGreaterThan(40);
  });

  it('watch --ui --metrics-port 0 --max-cycles 2: the dashboard is the one server, the cycles run as without it', async () => {
    const cwd = freshDir('watch-cycles');
    const run = await runCli(
      [
        'watch',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--max-cycles',
        '2',
        '--clock-from',
        '2025-09-01T01:00:00',
        '--clock-speed',
        '600',
        '--metrics-port',
        '0',
        '--ui',
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('"msg":"dashboard at http://127.0.0.1:');
    expect(run.stderr).not.toContain('metrics at http');
    expect(run.stderr).toContain('Stopped after 2 cycles (0 failed).');
  });

  it('watch --ui on --metrics-port: one server for the dashboard, /api/state, /metrics and /healthz', { timeout: 60_000 }, async () => {
    const cwd = freshDir('watch');
    const run = startCli(
      [
        'watch',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--retry-delay',
        '20',
        '--clock-from',
        '2025-09-01T12:00:00',
        '--clock-speed',
        '600',
        '--metrics-port',
        '0',
        '--ui',
      ],
      { cwd, timeoutMs: 50_000 },
    );
    let stderr = '';
    run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await until(() => /dashboard at (\S+?);/.test(stderr), 30_000);
    const url = /dashboard at (\S+?);/.exec(stderr)![1];
    let state: RunSnapshot | undefined;
    for (const deadline = Date.now() + 30_000; (state?.cycles?.ok ?? 0) < 2; await new Promise((resolve) => setTimeout(resolve, 200))) {
      if (Date.now() > deadline) throw new Error(`no two cycles in time: ${JSON.stringify(state?.cycles)}`);
      state = (await (await fetch(`${url}api/state`)).json()) as RunSnapshot;
    }
    expect(state!.phase).toBe('watching');
    expect(state!.counts.downloaded).toBeGreaterThan(50);
    expect(state!.streams.map(({ stream }) => stream)).toEqual(['in_gate', 'out_gate']);
    expect(state!.coverage?.to).toBe('2025-09-01');
    const metrics = await (await fetch(`${url}metrics`)).text();
    expect(Number(/draydog_frames_total\{stream="in_gate",outcome="downloaded"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(20);
    expect(metrics).toMatch(/draydog_cycles_total\{result="ok"\} [1-9]/);
    const health = await fetch(`${url}healthz`);
    expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([200, 'ok']);
    run.child.kill('SIGINT');
    const result = await run.finished;
    expect(result.code, result.stderr.slice(-1000)).toBe(0);
    // the metrics port is the dashboard's: no second server
    expect(result.stderr).not.toContain('metrics at http');
  });
});
