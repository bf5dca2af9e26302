import { defineEntity, p } from '@mikro-orm/core';

/** A frame the CDN did not have when asked, so reruns need not ask again once the answer is settled. */
export const MissingFrameSchema = defineEntity({
  name: 'MissingFrame',
  tableName: 'missing_frames',
  properties: {
    id: p.integer().primary().autoincrement(),
    terminal: p.string(),
    stream: p.string(),
    /** UTC, `YYYY-MM-DDTHH:MM:SS` */
    capturedAt: p.string().fieldName('captured_at'),
    /** ISO time of the last request that found nothing. */
    checkedAt: p.string().fieldName('checked_at'),
  },
  uniques: [{ name: 'missing_frames_frame_unique', properties: ['terminal', 'stream', 'capturedAt'] }],
});

export class MissingFrame extends MissingFrameSchema.class {}
MissingFrameSchema.setClass(MissingFrame);
