import { InputError } from '../errors.ts';

/** A bucket and a key prefix, as `--out s3://bucket/prefix` names them. */
export interface ObjectStoreLocation {
  readonly bucket: string;
  readonly prefix: string;
}

/** Whether an archive location names a bucket (`s3://bucket/prefix`) rather than a folder. */
export function isObjectStoreUrl(out: string): boolean {
  return /^s3:\/\//i.test(out);
}

/** The bucket and prefix of `s3://bucket/prefix` (prefix without slashes at either end); an InputError for anything else. */
export function parseObjectStoreUrl(out: string): ObjectStoreLocation {
  const match = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(out);
  // bucket names: 3 to 63 lower-case letters, digits, dots and hyphens
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]))
    throw new InputError(`invalid --out "${out}": expected s3://bucket/prefix with a valid bucket name`);
  return { bucket: match[1], prefix: match[2].replace(/^\/+|\/+$/g, '') };
}
