import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import { Image } from '../catalog/image-entity.ts';
import { rowOfBody, upsertImages, type ImageRow } from '../catalog/images.ts';
import { jpegDefect } from '../frame/jpeg.ts';
import { frameOfFileName } from '../frame/layout.ts';
import { DEFAULTS } from '../settings.ts';
import { frameObjectKey, objectUrl, s3ReasonOf, type ObjectStoreOptions } from '../storage/object-store.ts';
import type { ArchiveProblem, VerifyResult } from './verify.ts';

export interface VerifyBucketOptions extends ObjectStoreOptions {
  readonly orm: CatalogOrm;
  readonly terminal?: string;
  /** Download every cataloged object and hash it, instead of comparing the sha256 in its metadata. */
  readonly deep?: boolean;
  /** Fix the catalog; copy bad objects aside (`<key>.corrupt`) so the next download uploads the frame again. */
  readonly repair?: boolean;
}

const PAGE = 1000;
const sha256 = (body: Uint8Array) => createHash('sha256').update(body).digest('hex');

/** Every key under `prefix` with its size, all pages of ListObjectsV2. */
async function objectsUnder(client: S3Client, bucket: string, prefix: string): Promise<Map<string, number>> {
  const objects = new Map<string, number>();
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const { Key, Size } of page.Contents ?? []) if (Key) objects.set(Key, Size ?? 0);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return objects;
}

/**
 * `verifyArchive` for an archive in a bucket: every cataloged frame's object (at the key the layout
 * gives it under `prefix`) is checked by its listed size and the sha256 in its metadata (a HEAD), or
 * with `deep` by downloading and hashing it; every frame object in the bucket without a row is
 * reported. With `repair`: a bad object is copied aside (`<key>.corrupt`) and deleted, and its row
 * removed, so the next download uploads the frame again; a row whose object is gone is removed
 * (unless no cataloged frame is in the bucket at all: then the prefix is more likely wrong); an
 * object without a row that is a whole JPEG gets one.
 */
export async function verifyBucket({
  orm,
  client,
  bucket,
  prefix = '',
  terminal = DEFAULTS.terminal,
  deep = false,
  repair = false,
}: VerifyBucketOptions): Promise<VerifyResult> {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const objects = await objectsUnder(client, bucket, trimmed ? `${trimmed}/` : '');
  const problems: ArchiveProblem[] = [];
  const report = (problem: ArchiveProblem) => {
    problems.push(problem);
    return problem;
  };
  const cataloged = new Set<string>();
  const rowsToDrop: number[] = [];
  const missing: { id: number; path: string; detail: string }[] = [];
  const setAside = async (key: string, problem: ArchiveProblem, rowId: number) => {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: `${key}.corrupt`, CopySource: `${bucket}/${encodeURI(key)}` }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    rowsToDrop.push(rowId);
    problem.repaired = `moved to ${key.split('/').at(-1)}.corrupt and row removed; the next download fetches the frame`;
  };

  let rowsChecked = 0;
  for (let lastId = 0; ; ) {
    const rows = await orm.em.fork().find(Image, { id: { $gt: lastId } }, { orderBy: { id: 'asc' }, limit: PAGE });
    if (rows.length === 0) break;
    lastId = rows.at(-1)!.id;
    for (const { id, terminal: rowTerminal, stream, capturedAt, fileSize, sha256: known } of rows) {
      rowsChecked += 1;
      const frame = { terminal: rowTerminal, stream, capturedAt, date: capturedAt.slice(0, 10) };
      const key = frameObjectKey(trimmed, frame);
      const path = objectUrl(bucket, key);
      cataloged.add(key);
      const size = objects.get(key);
      if (size === undefined) {
        missing.push({ id, path, detail: `cataloged ${stream} ${capturedAt} has no object` });
        continue;
      }
      if (size !== fileSize) {
        const problem = report({ kind: 'wrongSize', path, detail: `${size} bytes, cataloged ${fileSize}` });
        if (repair) await setAside(key, problem, id);
        continue;
      }
      let actual: string | undefined;
      try {
        if (deep) {
          const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          actual = sha256(await object.Body!.transformToByteArray());
        } else {
          actual = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata?.sha256;
        }
      } catch (error) {
        report({ kind: 'unreadable', path, detail: `cannot be read (${s3ReasonOf(error)}): left alone` });
        continue;
      }
      if (actual === known) continue;
      const detail =
        actual === undefined
          ? 'no sha256 in its metadata (--deep hashes its bytes)'
          : `${deep ? 'sha256' : 'sha256 in its metadata'} differs from the catalog's ${known.slice(0, 12)}…`;
      const problem = report({ kind: 'wrongHash', path, detail });
      if (repair && actual !== undefined) await setAside(key, problem, id);
    }
  }

  let filesChecked = 0;
  const rowsToAdd: ImageRow[] = [];
  for (const key of objects.keys()) {
    const frame = frameOfFileName(key.split('/').at(-1)!, terminal);
    if (!frame) continue;
    filesChecked += 1;
    // an object at another key than the layout's is not this frame's object
    if (cataloged.has(key) || frameObjectKey(trimmed, frame) !== key) continue;
    const path = objectUrl(bucket, key);
    if (!repair) {
      report({ kind: 'uncataloged', path, detail: `${frame.stream} ${frame.capturedAt} in the bucket without a row` });
      continue;
    }
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await object.Body!.transformToByteArray());
    const defect = jpegDefect(body);
    if (defect) {
      report({ kind: 'notAJpeg', path, detail: `${defect}; not cataloged` });
      continue;
    }
    rowsToAdd.push(rowOfBody({ kind: 'alreadyExisted', frame, filePath: path }, body, object.LastModified ?? new Date()));
    report({ kind: 'uncataloged', path, detail: `${frame.stream} ${frame.capturedAt} in the bucket without a row`, repaired: 'row added' });
  }

  // with no cataloged frame in the bucket at all, --out is more likely wrong than every object gone
  const bucketHoldsTheCatalog = rowsChecked > missing.length;
  for (const { id, path, detail } of missing) {
    const kept =
      repair && !bucketHoldsTheCatalog ? `; no cataloged frame is under s3://${bucket}/${trimmed} (is --out right?): row kept` : '';
    const problem = report({ kind: 'missingFile', path, detail: `${detail}${kept}` });
    if (repair && bucketHoldsTheCatalog) {
      rowsToDrop.push(id);
      problem.repaired = 'row removed; the next download fetches the frame';
    }
  }
  if (rowsToDrop.length > 0) await orm.em.fork().nativeDelete(Image, { id: { $in: rowsToDrop } });
  if (rowsToAdd.length > 0) await upsertImages(orm, rowsToAdd);
  return { rowsChecked, filesChecked, problems };
}
