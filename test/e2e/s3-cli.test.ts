import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Image, openCatalog } from '../../src/index.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { createObjectStoreClient, frameObjectKey } from '../../src/storage/object-store.ts';
import { quickDownloadArgs, runCli, startCli, until } from '../support/cli.ts';
import { useFreshDirs, useSimulators } from '../support/fresh-dirs.ts';
import { s3ForTests, startS3, type S3Server } from '../support/services/ceph.ts';
import { postgresForTests, startPostgres, type PostgresServer } from '../support/services/postgres.ts';

// both checks run, so that each says loudly when its tests are skipped
const READY = [postgresForTests(import.meta.filename), s3ForTests(import.meta.filename)].every(Boolean);
const DATE = '2025-09-01';
const STREAMS = ['in_gate', 'out_gate'];
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const freshDir = useFreshDirs('draydog-s3-cli-');
const simulator = useSimulators();
const harshSimulator = (latencyMs = 5) => simulator({ timing: 'grid', frameSize: 'small', seed: 16, faults: 'harsh', latencyMs });

const downloadArgs = (sim: Simulator, db: string, out: string, ...more: string[]) =>
  quickDownloadArgs({ from: DATE, baseUrl: sim.url, out, db }, ...more);

/** What a catalog says of each frame, in frame order, without the times it was written. */
async function framesOf(db: string) {
  const orm = await openCatalog({ dbPath: db });
  try {
    const rows = await orm.em.fork().find(Image, {}, { orderBy: { stream: 'asc', capturedAt: 'asc' } });
    return rows.map(({ terminal, stream, capturedAt, filePath, fileSize, sha256, variant }) => ({
      terminal,
      stream,
      capturedAt,
      filePath,
      fileSize,
      sha256,
      variant,
    }));
  } finally {
    await orm.close();
  }
}

describe.skipIf(!READY)('draydog download --out s3://bucket/prefix, with a catalog on PostgreSQL', () => {
  let postgres: PostgresServer;
  let s3: S3Server;
  let client: S3Client;
  let buckets = 0;
  let databases = 0;
  const newBucket = async () => {
    const bucket = `draydog-cli-${++buckets}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  };
  /** The S3 user's keys in the environment, as the AWS SDK's default chain reads them. */
  const env = (secret = s3.secretAccessKey) => ({
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_ENDPOINT_URL: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const keysIn = async (bucket: string) => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
      keys.push(...(page.Contents ?? []).map(({ Key }) => Key!));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  };
  const bytesOf = async (bucket: string, Key: string) =>
    Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray());
  /**
   * The objects under `archive/` and the rows agree one to one, each object whole (its size and sha256
   * are its row's); the rows, and the objects' bytes by URL.
   */
  const expectBucketAndCatalogAgree = async (bucket: string, db: string) => {
    const [keys, rows] = [await keysIn(bucket), await framesOf(db)];
    expect(rows.map(({ filePath }) => filePath).sort()).toEqual(keys.map((key) => `s3://${bucket}/${key}`));
    const bodies = new Map<string, Buffer>(
      await Promise.all(keys.map(async (key) => [`s3://${bucket}/${key}`, await bytesOf(bucket, key)] as const)),
    );
    for (const row of rows) {
      const body = bodies.get(row.filePath)!;
      expect([body.length, sha(body)]).toEqual([row.fileSize, row.sha256]);
    }
    return { rows, bodies };
  };
  /** The bucket holds every frame the simulator serves on DATE, once, with the simulator's bytes, and one row each. */
  const expectCompleteBucket = async (bucket: string, db: string, sim: Simulator) => {
    const { rows, bodies } = await expectBucketAndCatalogAgree(bucket, db);
    const expected = STREAMS.flatMap((stream) => sim.frames(DATE, stream));
    const urlOf = (frame: (typeof expected)[number]) => `s3://${bucket}/${frameObjectKey('archive', frame)}`;
    expect(rows.map(({ filePath }) => filePath).sort()).toEqual(expected.map(urlOf).sort());
    for (const frame of expected) {
      const served = sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!;
      expect(bodies.get(urlOf(frame))!.equals(served)).toBe(true);
    }
  };
  const bucketRunArgs = (sim: Simulator, db: string, bucket: string, ...more: string[]) =>
    downloadArgs(sim, db, `s3://${bucket}/archive`, '--s3-endpoint', s3.endpoint, ...more);
  beforeAll(async () => {
    [postgres, s3] = await Promise.all([startPostgres(), startS3()]);
    client = createObjectStoreClient({ endpoint: s3.endpoint });
    client.config.credentials = async () => ({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  }, 240_000);
  afterAll(async () => {
    client?.destroy();
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  it('archives a harsh CDN as the folder + SQLite run does (same sha256s, one row per frame); a rerun asks the CDN nothing', async () => {
    const sim = await harshSimulator();
    const bucket = await newBucket();
    const db = await postgres.createDatabase(`catalog_${++databases}`);
    const [inBucket, onDisk] = [freshDir(), freshDir()];
    const args = downloadArgs(sim, db, `s3://${bucket}/archive`, '--s3-endpoint', s3.endpoint);
    const first = await runCli(args, { cwd: inBucket, env: env(), spawned: true, timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain(s3.secretAccessKey);

    const folder = await runCli(downloadArgs(sim, 'sqlite:catalog.sqlite', 'images'), { cwd: onDisk, spawned: true, timeoutMs: 120_000 });
    expect(folder.code, folder.stderr).toBe(0);
    const [rows, folderRows] = [await framesOf(db), await framesOf(`${onDisk}/catalog.sqlite`)];
    const withoutPath = (list: typeof rows) => list.map(({ filePath: _, ...row }) => row);
    expect(withoutPath(rows)).toEqual(withoutPath(folderRows));
    expect(rows.length).toBeGreaterThan(100);
    expect(new Set(rows.map(({ capturedAt, stream }) => `${stream}/${capturedAt}`)).size).toBe(rows.length);
    // each row names its object, and the bucket holds exactly those objects
    const keys = await keysIn(bucket);
    expect(rows.map(({ filePath }) => filePath).sort()).toEqual(keys.map((key) => `s3://${bucket}/${key}`));
    expect(keys.every((key) => key.startsWith(`archive/${DATE}/`))).toBe(true);

    const requests = sim.stats().totalRequests;
    const again = await runCli(args, { cwd: inBucket, env: env(), spawned: true, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(sim.stats().totalRequests).toBe(requests);
    expect(await framesOf(db)).toEqual(rows);

    // reports read the catalog as ever
    const report = await runCli(['report', '--db', db, '--json'], { cwd: inBucket });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).length).toBeGreaterThan(0);
    const html = await runCli(['report', '--db', db, '--html', 'coverage.html'], { cwd: inBucket });
    expect(html.code, html.stderr).toBe(0);
  }, 300_000);

  /** A harsh simulator, a fresh bucket, catalog database and folder, and `start`, which starts a download into them as a child process. */
  const bucketRun = async (latencyMs: number) => {
    const sim = await harshSimulator(latencyMs);
    const [bucket, db, dir] = [await newBucket(), await postgres.createDatabase(`catalog_${++databases}`), freshDir()];
    const start = (...more: string[]) => startCli(bucketRunArgs(sim, db, bucket, ...more), { cwd: dir, env: env(), timeoutMs: 180_000 });
    return { sim, bucket, db, dir, start };
  };

  it('killed with -9 mid-run, a rerun completes the bucket: every frame once, whole, with one row each', async () => {
    const { sim, bucket, db, start } = await bucketRun(20);
    const run = start();
    await until(() => sim.stats().totalRequests >= 150, 90_000);
    run.child.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');
    const rerun = await start().finished;
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectCompleteBucket(bucket, db, sim);
  }, 240_000);

  it('the first SIGINT drains: exit 130, every object uploaded has its row, the report is marked interrupted', async () => {
    const { sim, bucket, db, dir, start } = await bucketRun(20);
    const run = start();
    await until(() => sim.stats().totalRequests >= 100, 90_000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.finished;
    expect(code, stderr).toBe(130);
    const { rows } = await expectBucketAndCatalogAgree(bucket, db);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(STREAMS.flatMap((stream) => sim.frames(DATE, stream)).length);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({
      interrupted: true,
      stats: { downloaded: rows.length },
    });
  }, 240_000);

  it('two runs of the same range into one bucket and one catalog at once leave one object and one row per frame', async () => {
    const { sim, bucket, db, start } = await bucketRun(5);
    const runs = [start(), start('--report', 'other.json')];
    for (const { code, stderr } of await Promise.all(runs.map((run) => run.finished))) expect(code, stderr).toBe(0);
    await expectCompleteBucket(bucket, db, sim);
  }, 240_000);

  it('--dry-run counts the objects already in the bucket, and fetches nothing', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const bucket = await newBucket();
    const dir = freshDir();
    const s3Args = (streams: string) => ['--streams', streams, '--max-per-date', '6'];
    const first = await runCli(bucketRunArgs(sim, 'sqlite:catalog.sqlite', bucket, ...s3Args('in_gate')), {
      cwd: dir,
      env: env(),
      spawned: true,
      timeoutMs: 60_000,
    });
    expect(first.code, first.stderr).toBe(0);
    const uploaded = (await keysIn(bucket)).length;
    expect(uploaded).toBeGreaterThan(0);
    const requests = sim.stats().totalRequests;
    const dryRun = await runCli(bucketRunArgs(sim, 'sqlite:catalog.sqlite', bucket, ...s3Args('in_gate,out_gate'), '--dry-run', '--json'), {
      cwd: dir,
      env: env(),
    });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(JSON.parse(dryRun.stdout).plan).toEqual([
      { date: DATE, stream: 'in_gate', frames: 6, onDisk: uploaded, toFetch: 6 - uploaded },
      { date: DATE, stream: 'out_gate', frames: 6, onDisk: 0, toFetch: 6 },
    ]);
    const table = await runCli(bucketRunArgs(sim, 'sqlite:catalog.sqlite', bucket, ...s3Args('in_gate,out_gate'), '--dry-run'), {
      cwd: dir,
      env: env(),
    });
    expect(table.stdout).toMatch(/in bucket/);
    expect(table.stdout).toMatch(new RegExp(`total\\s+12\\s+${uploaded}\\s+${12 - uploaded}`));
    expect(sim.stats().totalRequests).toBe(requests);
  }, 120_000);

  it('addresses the bucket in the path by default; --no-s3-path-style puts it in the host name', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const bucket = await newBucket();
    const dir = freshDir();
    // a host name, not an address: the SDK puts the bucket in a host name only then
    const byName = s3.endpoint.replace('127.0.0.1', 'localhost');
    const dryRun = (...more: string[]) =>
      runCli([...downloadArgs(sim, 'sqlite:catalog.sqlite', `s3://${bucket}/archive`, '--s3-endpoint', byName, '--dry-run', ...more)], {
        cwd: dir,
        env: env(),
      });
    const pathStyle = await dryRun();
    expect(pathStyle.code, pathStyle.stderr).toBe(0);
    // the gateway has no DNS name per bucket: <bucket>.localhost resolves to nothing
    const hostStyle = await dryRun('--no-s3-path-style');
    expect(hostStyle.code).toBe(2);
    expect(hostStyle.stderr).toMatch(new RegExp(`invalid bucket "${bucket}": nothing answers there \\(ENOTFOUND\\)`));
  }, 60_000);

  it('a missing bucket or a wrong secret is exit 2, one line naming the bucket and the endpoint, before any CDN request', async () => {
    const sim = await harshSimulator();
    const bucket = await newBucket();
    const cases: [string, string, Record<string, string | undefined>, RegExp][] = [
      ['no-such-bucket', 's3://no-such-bucket/archive', env(), /no such bucket/],
      [bucket, `s3://${bucket}/archive`, env('not-the-secret'), /access denied/],
    ];
    for (const [name, out, environment, reason] of cases) {
      const dir = freshDir();
      const result = await runCli(downloadArgs(sim, 'sqlite:catalog.sqlite', out, '--s3-endpoint', s3.endpoint), {
        cwd: dir,
        env: environment,
        spawned: true,
      });
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`invalid bucket "${name}"`);
      expect(lines[0]).toContain(s3.endpoint);
      expect(lines[0]).toMatch(reason);
      expect(result.stderr + result.stdout).not.toContain('not-the-secret');
      expect(result.stderr + result.stdout).not.toContain(s3.secretAccessKey);
    }
    expect(sim.stats().totalRequests).toBe(0);
  }, 120_000);

  it('verify finds a flipped object (by its metadata, or by its bytes with --deep) and a missing one; --repair lets a rerun fetch them again', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const bucket = await newBucket();
    const dir = freshDir();
    const out = `s3://${bucket}/archive`;
    const s3Args = ['--s3-endpoint', s3.endpoint];
    const args = [...downloadArgs(sim, 'sqlite:catalog.sqlite', out, ...s3Args), '--streams', 'in_gate', '--max-per-date', '12'];
    const first = await runCli(args, { cwd: dir, env: env(), spawned: true, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const verify = async (...more: string[]) => {
      const result = await runCli(['verify', '--db', 'catalog.sqlite', '--out', out, ...s3Args, '--json', ...more], {
        cwd: dir,
        env: env(),
      });
      return { code: result.code, stderr: result.stderr, ...JSON.parse(result.stdout || '{}') };
    };
    const clean = await verify();
    expect(clean).toMatchObject({ code: 0, filesChecked: clean.rowsChecked, problems: [] });
    expect(clean.rowsChecked).toBeGreaterThan(6);

    const [rewritten, rotten, gone] = (await keysIn(bucket)).slice(0, 3);
    const flip = (body: Buffer) => Buffer.from(body.map((byte, at) => (at === body.length >> 1 ? byte ^ 0xff : byte)));
    const put = (Key: string, Body: Buffer, sha256: string) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType: 'image/jpeg', Metadata: { sha256 } }));
    const flipped = flip(await bytesOf(bucket, rewritten));
    await put(rewritten, flipped, sha(flipped));
    const original = await bytesOf(bucket, rotten);
    await put(rotten, flip(original), sha(original));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: gone }));
    const url = (key: string) => `s3://${bucket}/${key}`;
    const found = (result: { problems: { kind: string; path: string }[] }) => result.problems.map(({ kind, path }) => [kind, path]).sort();

    const shallow = await verify();
    expect(shallow.code).toBe(1);
    expect(found(shallow)).toEqual(
      [
        ['missingFile', url(gone)],
        ['wrongHash', url(rewritten)],
      ].sort(),
    );
    const deep = await verify('--deep');
    expect(found(deep)).toEqual(
      [
        ['missingFile', url(gone)],
        ['wrongHash', url(rewritten)],
        ['wrongHash', url(rotten)],
      ].sort(),
    );

    const repaired = await verify('--deep', '--repair');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.problems.every(({ repaired }: { repaired?: string }) => repaired)).toBe(true);
    const rerun = await runCli(args, { cwd: dir, env: env(), spawned: true, timeoutMs: 60_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).stats).toMatchObject({ downloaded: 3, failed: 0 });
    expect(await verify('--deep')).toMatchObject({ code: 0, rowsChecked: clean.rowsChecked, problems: [] });
  }, 120_000);

  it('objects a run uploaded but did not catalog (a run killed in between) get their rows from the next run, with no CDN request for them', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const bucket = await newBucket();
    const dir = freshDir();
    const args = (db: string) => [
      ...downloadArgs(sim, db, `s3://${bucket}/archive`, '--s3-endpoint', s3.endpoint),
      '--streams',
      'in_gate',
      '--max-per-date',
      '12',
    ];
    const first = await runCli(args('sqlite:first.sqlite'), { cwd: dir, env: env(), spawned: true, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const requests = sim.stats().totalRequests;
    // a catalog that lost the uploads: the bucket has them, the rows come from the objects
    const second = await runCli(args('sqlite:second.sqlite'), { cwd: dir, env: env(), spawned: true, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const firstRows = await framesOf(join(dir, 'first.sqlite'));
    expect(firstRows.length).toBeGreaterThan(6);
    const requestsOfSecond = sim.stats().totalRequests - requests;
    const [rowsOf, sameFrames] = [
      (list: typeof firstRows) =>
        list.map(({ stream, capturedAt, filePath, fileSize, sha256 }) => [stream, capturedAt, filePath, fileSize, sha256]),
      await framesOf(join(dir, 'second.sqlite')),
    ];
    expect(rowsOf(sameFrames)).toEqual(rowsOf(firstRows));
    // only the frames the CDN does not have are asked again (the second catalog remembers no misses)
    expect(requestsOfSecond).toBeLessThanOrEqual(2 * (12 - firstRows.length));
  }, 120_000);
});
