import { posix } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { concatMap, from, of, type OperatorFunction } from 'rxjs';
import type { AlreadyExistedItem, PipelineItem } from '../items.ts';
import { frameObjectKey, objectUrl, type ObjectStoreOptions } from '../storage/object-store.ts';

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
export function skipExistingObjects<T extends PipelineItem>({
  client,
  bucket,
  prefix = '',
}: ObjectStoreOptions): OperatorFunction<T, T | AlreadyExistedItem> {
  const listings = new Map<string, Promise<Set<string>>>();
  const exists = (key: string) => {
    const folder = `${posix.dirname(key)}/`;
    if (!listings.has(folder)) listings.set(folder, keysUnder(client, bucket, folder));
    return listings.get(folder)!.then((keys) => keys.has(key));
  };
  return concatMap((item) => {
    if (item.kind !== 'frame' && item.kind !== 'request') return of(item);
    const key = frameObjectKey(prefix, item.frame);
    return from(
      exists(key).then((found): T | AlreadyExistedItem =>
        found ? { kind: 'alreadyExisted', frame: item.frame, filePath: objectUrl(bucket, key) } : item,
      ),
    );
  });
}
