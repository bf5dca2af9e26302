import { defineEntity, p } from '@mikro-orm/core';

/** A frame a CDN did not have when asked, so reruns against that CDN need not ask again once the answer is settled. */
const MissingFrameSchema = defineEntity({
  name: 'MissingFrame',
  tableName: 'cdn_missing_frames',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** The `--base-url` that answered. */
    baseUrl: p.string().fieldName('base_url'),
    terminal: p.string(),
    stream: p.string(),
    /** UTC, `YYYY-MM-DDTHH:MM:SS` */
    capturedAt: p.string().fieldName('captured_at'),
    /** ISO time of the last request that found nothing. */
    checkedAt: p.string().fieldName('checked_at'),
  },
  uniques: [{ name: 'cdn_missing_frames_unique', properties: ['baseUrl', 'terminal', 'stream', 'capturedAt'] }],
});

export class MissingFrame extends MissingFrameSchema.class {}
MissingFrameSchema.setClass(MissingFrame);
