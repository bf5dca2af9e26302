import type { OperatorFunction } from 'rxjs';
import type { NotFoundItem, PipelineItem } from '../items.ts';
import { frameKey } from '../frame/layout.ts';
import { onKind } from './on-kind.ts';

/**
 * Frames and requests whose key (see `frameKey`) is in `known` become `notFound` with no request
 * (`attempts: 0`); other items pass through. Feed it `loadKnownMissing(orm)` for free reruns.
 */
export function skipKnownMissing<T extends PipelineItem>(known: ReadonlySet<string>): OperatorFunction<T, T | NotFoundItem> {
  return onKind(['frame', 'request'], (item): T | NotFoundItem =>
    known.has(frameKey(item.frame)) ? { kind: 'notFound', frame: item.frame, urls: [], attempts: 0 } : item,
  );
}
