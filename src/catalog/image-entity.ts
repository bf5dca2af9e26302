import { defineEntity, p } from '@mikro-orm/core';

/** One row per frame on disk: the seed's "existing Image model", unique per terminal, stream and capture time. */
const ImageSchema = defineEntity({
  name: 'Image',
  tableName: 'images',
  properties: {
    id: p.integer().primary().autoincrement(),
    terminal: p.string(),
    stream: p.string(),
    /** UTC, `YYYY-MM-DDTHH:MM:SS` */
    capturedAt: p.string().fieldName('captured_at'),
    filePath: p.string().fieldName('file_path'),
    fileSize: p.integer().fieldName('file_size'),
    sha256: p.string(),
    sourceUrl: p.string().fieldName('source_url').nullable(),
    variant: p.enum(['full', 'thumbnail'] as const),
    downloadedAt: p.string().fieldName('downloaded_at'),
  },
  uniques: [{ name: 'images_frame_unique', properties: ['terminal', 'stream', 'capturedAt'] }],
  indexes: [{ name: 'images_stream_time_index', properties: ['stream', 'capturedAt'] }],
});

export class Image extends ImageSchema.class {}
ImageSchema.setClass(Image);
