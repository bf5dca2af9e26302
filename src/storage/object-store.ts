import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../errors.ts';
import type { FrameRef } from '../items.ts';
import { frameFilePath } from '../frame/layout.ts';
import { parseObjectStoreUrl } from './archive-location.ts';
import type { FrameStore, PutOutcome } from './frame-store.ts';

export interface ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix the archive's layout goes under (`<prefix>/<YYYY-MM-DD>/<stream>/…`); none by default. */
  readonly prefix?: string;
}

export interface ObjectStoreClientOptions {
  /** An S3-compatible server's URL (`AWS_ENDPOINT_URL` when not given); AWS itself without either. */
  readonly endpoint?: string;
  /**
   * Path-style addressing (`<endpoint>/<bucket>/<key>`), the default: servers other than AWS, such as
   * a RADOS gateway on a loopback address, have no host name per bucket. False: virtual-hosted style
   * (`<bucket>.<host>/<key>`), which AWS prefers.
   */
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

/** Where an `s3://bucket/prefix` archive is and how to reach it, as download, watch and verify are told. */
export interface ObjectStoreSettings {
  readonly out: string;
  /** The server's URL; `AWS_ENDPOINT_URL` when not given, AWS itself without either. */
  readonly s3Endpoint?: string;
  /** Path-style addressing (the default): see `createObjectStoreClient`. */
  readonly s3PathStyle?: boolean;
}

/** The bucket and prefix `out` names, with a client for its server (`endpoint` as resolved). */
export function objectStoreAt({
  out,
  s3Endpoint = process.env.AWS_ENDPOINT_URL,
  s3PathStyle,
}: ObjectStoreSettings): Required<ObjectStoreOptions> & { readonly endpoint?: string } {
  const { bucket, prefix } = parseObjectStoreUrl(out);
  return { client: createObjectStoreClient({ endpoint: s3Endpoint, forcePathStyle: s3PathStyle }), bucket, prefix, endpoint: s3Endpoint };
}

/** The key of a frame's object: the disk layout under `prefix`. */
export function frameObjectKey(prefix: string, frame: FrameRef): string {
  return frameFilePath(prefix.replace(/^\/+|\/+$/g, ''), frame).replace(/^\/+/, '');
}

/** How the catalog names an object: `s3://<bucket>/<key>`. */
export function objectUrl(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The S3 error's name (`SignatureDoesNotMatch`, `NoSuchBucket`), or a system error's code (`ECONNREFUSED`), or its message. */
export const s3ReasonOf = (error: unknown) => {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name && name !== 'Error') return name;
  return code ? `nothing answers there (${code})` : (message ?? String(error));
};

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Refuses a bucket the client cannot reach (no such bucket, a wrong key, no server there) before
 * anything is fetched: an InputError naming the bucket.
 */
export async function assertBucketReachable({ client, bucket }: ObjectStoreOptions): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = statusOf(error);
    const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied (a wrong key or secret?)' : s3ReasonOf(error);
    throw new InputError(`invalid bucket "${bucket}": ${why}`);
  }
}

/**
 * The archive as objects in an S3-compatible bucket, a `FrameStore` behind `writeToStore`: a frame's
 * object is at `<prefix>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`, `Content-Type:
 * image/jpeg`, with a Content-MD5 the server checks and the sha256 in the object's metadata
 * (`x-amz-meta-sha256`); its location is the object's `s3://` URL. A PUT is atomic (an object is whole
 * or absent, so there are no temporary names) and conditional (`If-None-Match: *`), so an object that
 * is there is never replaced: the frame is there already. The SDK retries 5xx and SlowDown answers
 * with backoff; a PUT that still fails throws the S3 error's name (`cannot upload <url>: <name>`).
 */
export function objectStore({ client, bucket, prefix = '' }: ObjectStoreOptions): FrameStore {
  const locationOf = (frame: FrameRef) => objectUrl(bucket, frameObjectKey(prefix, frame));
  return {
    verb: 'upload',
    locationOf,
    async put(frame, body): Promise<PutOutcome> {
      const location = locationOf(frame);
      const sha256 = createHash('sha256').update(body).digest('hex');
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: frameObjectKey(prefix, frame),
            Body: body,
            ContentLength: body.length,
            ContentType: 'image/jpeg',
            ContentMD5: createHash('md5').update(body).digest('base64'),
            Metadata: { sha256 },
            IfNoneMatch: '*',
          }),
        );
      } catch (error) {
        if (statusOf(error) === 412) return { kind: 'exists', location };
        throw new Error(s3ReasonOf(error), { cause: error });
      }
      return { kind: 'written', location, sha256 };
    },
  };
}

/** The bytes of the object an `s3://bucket/key` URL names, and when it was written (a GET with `client`). */
export async function readObject(client: S3Client, url: string): Promise<{ body: Buffer; modifiedAt: Date }> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url) ?? [];
  if (!bucket) throw new Error(`not an object URL: ${url}`);
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from(await object.Body!.transformToByteArray()), modifiedAt: object.LastModified ?? new Date() };
}
