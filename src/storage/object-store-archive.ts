import { InputError } from '../errors.ts';
import type { ReadFrame } from '../catalog/images.ts';
import { withoutCredentials } from '../operators/build-urls.ts';
import { skipExistingObjects } from '../operators/skip-existing-objects.ts';
import { writeToObjectStore } from '../sinks/write-to-object-store.ts';
import { finalize, map, type OperatorFunction } from 'rxjs';
import type { FrameItem, FrameRef, PipelineItem } from '../items.ts';
import { assertBucketReachable, objectStoreAt, readObject, type ObjectStoreSettings } from './object-store.ts';

/**
 * A run's archive in a bucket, `out` being `s3://bucket/prefix` (see `archiveOf` in download.ts):
 * uploaded by `writeToObjectStore`, skipped by `skipExistingObjects`. This module is the one
 * `download` imports when it needs the S3 SDK, so a run into a folder never loads it.
 */
export function objectStoreArchive(settings: ObjectStoreSettings) {
  const { out } = settings;
  const { endpoint, ...store } = objectStoreAt(settings);
  const { client } = store;
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

/** Whether each planned frame's object is in the bucket already, each date/stream prefix listed once (a dry run's plan). */
export function objectsInBucket(settings: ObjectStoreSettings): OperatorFunction<FrameItem, { frame: FrameRef; archived: boolean }> {
  const { client, bucket, prefix } = objectStoreAt(settings);
  return (frames) =>
    frames.pipe(
      skipExistingObjects({ client, bucket, prefix }),
      map((item) => ({ frame: item.frame, archived: item.kind === 'alreadyExisted' })),
      finalize(() => client.destroy()),
    );
}
