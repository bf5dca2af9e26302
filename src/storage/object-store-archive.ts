import { InputError } from '../errors.ts';
import type { PipelineItem } from '../items.ts';
import type { ReadFrame } from '../catalog/images.ts';
import { withoutCredentials } from '../operators/build-urls.ts';
import { skipExistingObjects } from '../operators/skip-existing-objects.ts';
import { writeToObjectStore } from '../sinks/write-to-object-store.ts';
import { parseObjectStoreUrl } from './archive-location.ts';
import { assertBucketReachable, createObjectStoreClient, readObject } from './object-store.ts';

/**
 * A run's archive in a bucket, `out` being `s3://bucket/prefix` (see `archiveOf` in download.ts):
 * uploaded by `writeToObjectStore`, skipped by `skipExistingObjects`. This module is the one
 * `download` imports when it needs the S3 SDK, so a run into a folder never loads it.
 */
export function objectStoreArchive(out: string, endpoint: string | undefined) {
  const { bucket, prefix } = parseObjectStoreUrl(out);
  const client = createObjectStoreClient({ endpoint });
  const store = { client, bucket, prefix };
  return {
    ready: async () => {
      try {
        await assertBucketReachable(store);
      } catch (error) {
        client.destroy();
        const where = endpoint ? ` at ${withoutCredentials(endpoint).baseUrl}` : '';
        throw error instanceof InputError ? new InputError(`${error.message}${where} (--out ${out})`, { cause: error }) : error;
      }
    },
    root: undefined,
    // an object a run uploaded but did not catalog (killed in between) is read once to catalog it
    readFrame: ((url) => readObject(client, url)) as ReadFrame,
    write: () => writeToObjectStore({ ...store, concurrency: 1 }),
    skip: () => skipExistingObjects<PipelineItem>(store),
    close: () => client.destroy(),
  };
}
