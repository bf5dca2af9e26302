import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { map, type OperatorFunction } from 'rxjs';
import type { AlreadyExistedItem, PipelineItem } from '../items.ts';
import { frameFilePath, staleTemporaryFileSweeper } from '../sinks/frame-files.ts';

export interface SkipExistingOptions {
  readonly root: string;
}

/**
 * A frame or request whose final file is already on disk becomes `alreadyExisted`, with no network
 * request. Leftover temporary files of dead runs in the folders it looks at are removed.
 */
export function skipExisting<T extends PipelineItem>({ root }: SkipExistingOptions): OperatorFunction<T, T | AlreadyExistedItem> {
  const sweep = staleTemporaryFileSweeper();
  return map((item): T | AlreadyExistedItem => {
    if (item.kind !== 'frame' && item.kind !== 'request') return item;
    const filePath = frameFilePath(root, item.frame);
    sweep(dirname(filePath));
    const existing = statSync(filePath, { throwIfNoEntry: false });
    return existing?.isFile() ? { kind: 'alreadyExisted', frame: item.frame, filePath } : item;
  });
}
