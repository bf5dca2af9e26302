import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { concatMap, from, mergeMap, of, type OperatorFunction } from 'rxjs';
import { InputError } from '../frame-time.ts';
import type { AlreadyExistedItem, DownloadedItem, FailedItem, FetchedItem, FrameRef, PipelineItem } from '../items.ts';
import { oneAtATimeStack } from '../operators/one-at-a-time-stack.ts';
import { frameFilePath } from './frame-files.ts';

export interface ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix the archive's layout goes under (`<prefix>/<YYYY-MM-DD>/<stream>/…`); none by default. */
  readonly prefix?: string;
}

export interface WriteToObjectStoreOptions extends ObjectStoreOptions {
  /** Objects uploaded at once. */
  readonly concurrency?: number;
}

export interface ObjectStoreClientOptions {
  /** An S3-compatible server's URL (`AWS_ENDPOINT_URL` when not given); AWS itself without either. */
  readonly endpoint?: string;
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`), which most servers other than AWS need. */
  readonly forcePathStyle?: boolean;
}

/**
 * An S3 client for the archive: credentials and region from the SDK's default chain (region
 * `us-east-1` when none is set, which S3-compatible servers accept). Checksums only when an operation
 * requires them: the SDK's default streams a PutObject with a trailing checksum, which servers such
 * as Ceph's RADOS gateway refuse (411 MissingContentLength); draydog sends Content-MD5 instead.
 */
export function createObjectStoreClient({ endpoint, forcePathStyle = true }: ObjectStoreClientOptions = {}): S3Client {
  return new S3Client({
    ...(endpoint ? { endpoint } : {}),
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The key of a frame's object: the disk layout under `prefix`. */
export function frameObjectKey(prefix: string, frame: FrameRef): string {
  return frameFilePath(prefix.replace(/^\/+|\/+$/g, ''), frame).replace(/^\/+/, '');
}

/** How the catalog names an object: `s3://<bucket>/<key>`. */
export function objectUrl(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

const reasonOf = (error: unknown) => (error as { name?: string }).name ?? (error as Error).message;

/**
 * Refuses a bucket the client cannot reach (no such bucket, a wrong key, no server there) before
 * anything is fetched: an InputError naming the bucket.
 */
export async function assertBucketReachable({ client, bucket }: ObjectStoreOptions): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied (a wrong key or secret?)' : reasonOf(error);
    throw new InputError(`invalid bucket "${bucket}": ${why}`);
  }
}

/**
 * Fetched frames become objects at `<prefix>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`,
 * `Content-Type: image/jpeg`, with a Content-MD5 the server checks and the sha256 in the object's
 * metadata (`x-amz-meta-sha256`), and become `downloaded` with `filePath` the object's `s3://` URL.
 * A PUT is atomic: an object is whole or absent, so there are no temporary names. The SDK retries
 * 5xx and SlowDown answers with backoff; a PUT that still fails makes the frame `failed` at `write`.
 */
export function writeToObjectStore({ client, bucket, prefix = '', concurrency = 8 }: WriteToObjectStoreOptions): OperatorFunction<PipelineItem, Exclude<PipelineItem, FetchedItem>> {
  const upload = async (item: FetchedItem): Promise<DownloadedItem | FailedItem> => {
    const { kind: _fetched, body, ...rest } = item;
    const key = frameObjectKey(prefix, item.frame);
    const sha256 = createHash('sha256').update(body).digest('hex');
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'image/jpeg',
          ContentMD5: createHash('md5').update(body).digest('base64'),
          Metadata: { sha256 },
        }),
      );
    } catch (error) {
      return { kind: 'failed', stage: 'write', frame: item.frame, url: item.url, error: `cannot upload ${objectUrl(bucket, key)}: ${reasonOf(error)}`, attempts: item.attempts };
    }
    return { ...rest, kind: 'downloaded', bytes: body.length, sha256, filePath: objectUrl(bucket, key) };
  };
  return mergeMap((item) => (item.kind === 'fetched' ? from(upload(item)) : oneAtATimeStack(of(item))), concurrency);
}

/** Keys under a date/stream prefix, all pages of ListObjectsV2. */
async function keysUnder(client: S3Client, bucket: string, keyPrefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken }));
    for (const { Key } of page.Contents ?? []) if (Key) keys.add(Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

/**
 * A frame or request whose object is already in the bucket becomes `alreadyExisted` (its `filePath`
 * the object's `s3://` URL), with no request to the CDN and no GET: each date/stream prefix is listed
 * once per run (ListObjectsV2), as `skipExisting` lists each folder once.
 */
export function skipExistingObjects<T extends PipelineItem>({ client, bucket, prefix = '' }: ObjectStoreOptions): OperatorFunction<T, T | AlreadyExistedItem> {
  const listings = new Map<string, Promise<Set<string>>>();
  const exists = (key: string) => {
    const folder = `${posix.dirname(key)}/`;
    if (!listings.has(folder)) listings.set(folder, keysUnder(client, bucket, folder));
    return listings.get(folder)!.then((keys) => keys.has(key));
  };
  return concatMap((item) => {
    if (item.kind !== 'frame' && item.kind !== 'request') return of(item);
    const key = frameObjectKey(prefix, item.frame);
    return from(exists(key).then((found): T | AlreadyExistedItem => (found ? { kind: 'alreadyExisted', frame: item.frame, filePath: objectUrl(bucket, key) } : item)));
  });
}
