import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { lastValueFrom, of, pipe, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUrls,
  concurrently,
  fetchFrames,
  frameRange,
  frameUrls,
  Image,
  openCatalog,
  saveToCatalog,
  skipExistingObjects,
  verifyBucket,
  writeToObjectStore,
  assertBucketReachable,
  createObjectStoreClient,
  type PipelineItem,
} from '../../src/index.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { frameObjectKey } from '../../src/storage/object-store.ts';
import { useFreshDirs, useSimulators } from '../support/fresh-dirs.ts';
import { s3ForTests, startS3, type S3Server } from '../support/services/ceph.ts';

const S3 = s3ForTests(import.meta.filename);
const DATE = '2025-09-01';
const STREAMS = ['in_gate', 'out_gate'];
const sha = (body: Uint8Array) => createHash('sha256').update(body).digest('hex');
const freshDir = useFreshDirs('draydog-s3-');
const simulator = useSimulators();

// built from the package's exports only, as a user's own pipeline is
describe.skipIf(!S3)('an archive in S3-compatible object storage (Ceph RADOS gateway)', () => {
  let server: S3Server;
  let client: S3Client;
  let buckets = 0;
  const clientWith = (secretAccessKey: string) => {
    const made = createObjectStoreClient({ endpoint: server.endpoint });
    made.config.credentials = async () => ({ accessKeyId: server.accessKeyId, secretAccessKey });
    return made;
  };
  const newBucket = async () => {
    const bucket = `draydog-${++buckets}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  };
  beforeAll(async () => {
    server = await startS3();
    client = clientWith(server.secretAccessKey);
  }, 240_000);
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  /** A day of both streams from `sim` into `bucket` under `prefix`, cataloged in a SQLite file in `dir`. */
  async function download(
    sim: Simulator,
    store: { client: S3Client; bucket: string; prefix: string },
    dir: string,
  ): Promise<PipelineItem[]> {
    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    try {
      return await lastValueFrom(
        frameRange({ from: DATE, streams: STREAMS }).pipe(
          buildUrls({ baseUrl: sim.url }),
          skipExistingObjects(store),
          concurrently(
            { concurrency: 8 },
            pipe(
              fetchFrames({ concurrency: 1, retries: 4, retryDelayMs: 20, maxRetryAfterMs: 100 }),
              writeToObjectStore({ ...store, concurrency: 1 }),
            ),
          ),
          saveToCatalog(orm),
          toArray(),
        ),
      );
    } finally {
      await orm.close();
    }
  }

  it('holds every frame of a harsh CDN once, with its bytes, type and sha256; a rerun lists and fetches nothing', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16, faults: 'harsh', latencyMs: 5 });
    const store = { client, bucket: await newBucket(), prefix: 'archive/' };
    const dir = freshDir();
    const first = await download(sim, store, dir);
    expect(first.filter(({ kind }) => kind === 'failed')).toEqual([]);
    const expected = STREAMS.flatMap((stream) => sim.frames(DATE, stream));
    expect(first.filter(({ kind }) => kind === 'downloaded')).toHaveLength(expected.length);
    for (const frame of expected) {
      const key = frameObjectKey(store.prefix, frame);
      expect(key).toBe(`archive/${DATE}/${frame.stream}/${frame.capturedAt.replace(/[-T:]/g, '')}_${frame.stream}.jpg`);
      const object = await client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
      const body = await object.Body!.transformToByteArray();
      expect(Buffer.from(body).equals(sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!)).toBe(
        true,
      );
      expect([object.ContentType, object.Metadata?.sha256]).toEqual(['image/jpeg', sha(body)]);
    }
    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    try {
      const rows = await orm.em.fork().find(Image, {});
      expect(rows.map(({ filePath }) => filePath).sort()).toEqual(
        expected.map((frame) => `s3://${store.bucket}/${frameObjectKey(store.prefix, frame)}`).sort(),
      );
      expect(await verifyBucket({ orm, ...store, deep: true })).toMatchObject({
        rowsChecked: expected.length,
        filesChecked: expected.length,
        problems: [],
      });
    } finally {
      await orm.close();
    }

    // no frame in the bucket is asked of the CDN again (the misses are: this pipeline remembers none)
    const before = { ...sim.stats().requestsByPath };
    const again = await download(sim, store, dir);
    const after = sim.stats().requestsByPath;
    const inBucket = new Set(
      expected.flatMap((frame) =>
        Object.values(frameUrls({ ...frame, terminal: 'apm', date: DATE }, sim.url)).map((url) => new URL(url).pathname),
      ),
    );
    expect([...inBucket].filter((path) => path in before).length).toBeGreaterThan(0);
    expect(Object.keys(after).filter((path) => after[path] !== before[path] && inBucket.has(path))).toEqual([]);
    expect(again.filter(({ kind }) => kind === 'alreadyExisted')).toHaveLength(expected.length);
    expect(again.filter(({ kind }) => kind === 'downloaded')).toEqual([]);
  }, 180_000);

  it('a wrong secret or a missing bucket is refused before anything is fetched, and an upload that is refused fails the frame', async () => {
    const bucket = await newBucket();
    await expect(assertBucketReachable({ client: clientWith('not-the-secret'), bucket })).rejects.toThrow(
      `invalid bucket "${bucket}": access denied (a wrong key or secret?)`,
    );
    await expect(assertBucketReachable({ client, bucket: 'no-such-bucket' })).rejects.toThrow(
      'invalid bucket "no-such-bucket": no such bucket',
    );
    await assertBucketReachable({ client, bucket });

    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const refused = await lastValueFrom(
      frameRange({ from: DATE, streams: ['in_gate'], maxPerDate: 3 }).pipe(
        buildUrls({ baseUrl: sim.url }),
        fetchFrames({ concurrency: 2 }),
        writeToObjectStore({ client: clientWith('not-the-secret'), bucket }),
        toArray(),
      ),
    );
    const failed = refused.filter((item) => item.kind === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(refused.filter(({ kind }) => kind === 'downloaded')).toEqual([]);
    for (const item of failed)
      expect(item).toMatchObject({
        stage: 'write',
        error: expect.stringMatching(
          /^cannot upload s3:\/\/draydog-\d+\/\d{4}-\d{2}-\d{2}\/in_gate\/\d{14}_in_gate\.jpg: SignatureDoesNotMatch$/,
        ),
      });
  }, 60_000);

  it('an object already in the bucket is never replaced: the frame is there already', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 16 });
    const store = { client, bucket: await newBucket(), prefix: '' };
    const [frame] = sim.frames(DATE, 'in_gate');
    const key = frameObjectKey(store.prefix, { ...frame!, terminal: 'apm', date: DATE });
    const first = await download(sim, store, freshDir());
    expect(first.filter(({ kind }) => kind === 'downloaded').length).toBeGreaterThan(0);
    const before = await client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    const upload = (body: Buffer) =>
      lastValueFrom(
        of<PipelineItem>({
          kind: 'fetched',
          frame: { ...frame!, terminal: 'apm', date: DATE },
          url: 'https://cdn/frame',
          variant: 'full',
          body,
          attempts: 1,
        }).pipe(writeToObjectStore(store), toArray()),
      );
    const again = await upload(Buffer.from('not the frame'));
    expect(again).toEqual([
      { kind: 'alreadyExisted', frame: { ...frame!, terminal: 'apm', date: DATE }, filePath: `s3://${store.bucket}/${key}` },
    ]);
    const after = await client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
  }, 120_000);
});
