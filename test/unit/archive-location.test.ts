import { describe, expect, it } from 'vitest';
import { isObjectStoreUrl, parseObjectStoreUrl } from '../../src/storage/archive-location.ts';

describe('an archive location', () => {
  it('is a bucket only as s3://', () => {
    expect(
      ['s3://frames/archive', 'S3://frames', 'data/images', '/s3://x', 'https://frames.s3.amazonaws.com'].map(isObjectStoreUrl),
    ).toEqual([true, true, false, false, false]);
  });

  it('names a bucket and a prefix without slashes at either end', () => {
    expect(parseObjectStoreUrl('s3://frames')).toEqual({ bucket: 'frames', prefix: '' });
    expect(parseObjectStoreUrl('s3://frames/')).toEqual({ bucket: 'frames', prefix: '' });
    expect(parseObjectStoreUrl('s3://frames/gate/archive/')).toEqual({ bucket: 'frames', prefix: 'gate/archive' });
  });

  it('refuses what is no bucket name', () => {
    for (const out of ['s3://', 's3:///archive', 's3://Frames/x', 's3://a/x', 's3://frames?x=1'])
      expect(() => parseObjectStoreUrl(out)).toThrow(`invalid --out "${out}"`);
  });
});
