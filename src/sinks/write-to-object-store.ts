import type { PipelineItem } from '../items.ts';
import { DEFAULTS } from '../settings.ts';
import { objectStore, type ObjectStoreOptions } from '../storage/object-store.ts';
import { writeToStore } from './write-to-disk.ts';

export interface WriteToObjectStoreOptions extends ObjectStoreOptions {
  /** Objects uploaded at once. */
  readonly concurrency?: number;
}

/**
 * `writeToStore` into an S3-compatible bucket (see `objectStore`): fetched frames become objects and
 * `downloaded`, with `filePath` the object's `s3://` URL; an object already there is left as it is
 * (`alreadyExisted`); a PUT that fails makes the frame `failed` at `write`.
 */
export function writeToObjectStore<T extends PipelineItem>({ concurrency = DEFAULTS.concurrency, ...store }: WriteToObjectStoreOptions) {
  return writeToStore<T>({ store: objectStore(store), concurrency });
}
