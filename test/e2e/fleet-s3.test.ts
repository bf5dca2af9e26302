import { createHash } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameFilePath, Image, openCatalog } from '../../src/index.ts';
import { createObjectStoreClient, readObject } from '../../src/storage/object-store.ts';
import { QUICK_FETCH_ARGS, runCli, startCli, until } from '../support/cli.ts';
import { useFreshDirs, useSimulators } from '../support/fresh-dirs.ts';
import { s3ForTests, startS3, type S3Server } from '../support/services/ceph.ts';
import { postgresForTests, startPostgres, type PostgresServer } from '../support/services/postgres.ts';
import { redisForTests, startRedis, type RedisServer } from '../support/services/redis.ts';

// every check runs, so that each says loudly when its tests are skipped
const READY = [redisForTests(import.meta.filename), postgresForTests(import.meta.filename), s3ForTests(import.meta.filename)].every(
  Boolean,
);
const STREAMS = ['in_gate', 'out_gate'];
const DATES = ['2025-09-01', '2025-09-02', '2025-09-03'];
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const freshDir = useFreshDirs('draydog-fleet-s3-');
const simulator = useSimulators();

describe.runIf(READY)('a fleet into S3 with its catalog on PostgreSQL', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let s3: S3Server;
  let client: S3Client;
  beforeAll(async () => {
    [redis, postgres, s3] = await Promise.all([startRedis(), startPostgres(), startS3()]);
    client = createObjectStoreClient({ endpoint: s3.endpoint });
    client.config.credentials = async () => ({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  }, 240_000);
  afterAll(async () => {
    client?.destroy();
    await Promise.all([redis?.stop(), postgres?.stop(), s3?.stop()]);
  });

  it('three workers, one killed with kill -9 mid-run: every frame once in the bucket with the simulator’s sha256, one row each', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 18, faults: 'mild', latencyMs: 20 });
    const dir = freshDir();
    const db = await postgres.createDatabase('fleet');
    await client.send(new CreateBucketCommand({ Bucket: 'fleet' }));
    const queue = ['--queue', redis.url];
    const enqueued = await runCli(['enqueue', '--from', DATES[0], '--to', DATES[2], ...queue], { cwd: dir });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_ENDPOINT_URL: undefined,
      AWS_PROFILE: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const workerArgs = ['worker', ...queue, '--base-url', sim.url, '--out', 's3://fleet/archive', '--s3-endpoint', s3.endpoint, '--db', db];
    const [victim, ...others] = [0, 1, 2].map(() =>
      startCli([...workerArgs, ...QUICK_FETCH_ARGS, '--lock-duration', '2000', '--until-empty'], { cwd: dir, env, timeoutMs: 180_000 }),
    );
    await until(() => sim.stats().totalRequests >= 200, 120_000);
    victim.child.kill('SIGKILL');
    expect((await victim.finished).signal).toBe('SIGKILL');
    for (const run of await Promise.all(others.map((worker) => worker.finished))) expect(run.code, run.stderr).toBe(0);

    const expected = DATES.flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)));
    const urlOf = (frame: (typeof expected)[number]) => `s3://fleet/${frameFilePath('archive', frame)}`;
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'fleet', Prefix: 'archive/' }));
    const keys = (listed.Contents ?? []).map(({ Key }) => `s3://fleet/${Key}`).sort();
    expect(keys).toEqual(expected.map(urlOf).sort());
    const orm = await openCatalog({ dbPath: db });
    try {
      const rows = await orm.em.fork().find(Image, {});
      expect(rows.map(({ filePath }) => filePath).sort()).toEqual(keys);
      for (const frame of expected) {
        const served = sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!;
        const { body } = await readObject(client, urlOf(frame));
        const row = rows.find(({ filePath }) => filePath === urlOf(frame))!;
        expect([sha(body), row.sha256, row.fileSize]).toEqual([sha(served), sha(served), served.length]);
      }
    } finally {
      await orm.close();
    }
    const status = await runCli(['status', ...queue, '--json'], { cwd: dir });
    expect(JSON.parse(status.stdout).partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 6, failed: 0 });
  }, 300_000);
});
