import { concatMap, map, mergeMap, of, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { ItemKind, ItemOfKind, PipelineItem } from '../items.ts';
import { oneAtATimeStack } from './one-at-a-time-stack.ts';

/** The items of `T` whose kind is `K`: what an operator built with `onKind` handles. */
export type OfKind<T extends PipelineItem, K extends ItemKind> = Extract<T, ItemOfKind<K>>;

/** The items of `T` whose kind is not `K`: what an operator built with `onKind` passes through as they are. */
export type NotOfKind<T extends PipelineItem, K extends ItemKind> = Exclude<T, ItemOfKind<K>>;

/** One kind, or a few. */
export type Kinds<K extends ItemKind> = K | readonly K[];

/** A test of an item's kind, made once per operator so that each item costs one comparison (or a few). */
function isOfKind<T extends PipelineItem, K extends ItemKind>(kinds: Kinds<K>): (item: T) => item is OfKind<T, K> {
  return typeof kinds === 'string'
    ? (item): item is OfKind<T, K> => item.kind === kinds
    : (item): item is OfKind<T, K> => (kinds as readonly ItemKind[]).includes(item.kind);
}

/**
 * `map` for the items of `kinds`; the others pass through as they are, in their place, with their
 * types: `onKind('frame', toRequest)` on `FrameItem | NotFoundItem` gives `RequestItem | NotFoundItem`.
 * `T` comes from where the operator is used, never from `project`'s parameter, so a `project` written
 * for `FrameItem` alone still lets every other kind through.
 */
export function onKind<T extends PipelineItem, K extends ItemKind, R>(
  kinds: Kinds<K>,
  project: (item: NoInfer<OfKind<T, K>>) => R,
): OperatorFunction<T, NotOfKind<T, K> | R> {
  const handles = isOfKind<T, K>(kinds);
  return map((item) => (handles(item) ? project(item) : (item as NotOfKind<T, K>)));
}

/**
 * `mergeMap` for the items of `kinds`, at most `concurrent` at a time; the others pass through as they
 * are. Each of those takes a slot for a moment and comes out on the asap scheduler, so that a long line
 * of them does not nest one call per item (see `oneAtATimeStack`).
 */
export function mergeOnKind<T extends PipelineItem, K extends ItemKind, R>(
  kinds: Kinds<K>,
  project: (item: NoInfer<OfKind<T, K>>) => ObservableInput<R>,
  concurrent = Infinity,
): OperatorFunction<T, NotOfKind<T, K> | R> {
  const handles = isOfKind<T, K>(kinds);
  return mergeMap((item) => (handles(item) ? project(item) : oneAtATimeStack(of(item as NotOfKind<T, K>))), concurrent);
}

/** `concatMap` for the items of `kinds`; the others pass through as they are, in order with them. */
export function concatOnKind<T extends PipelineItem, K extends ItemKind, R>(
  kinds: Kinds<K>,
  project: (item: NoInfer<OfKind<T, K>>) => ObservableInput<R>,
): OperatorFunction<T, NotOfKind<T, K> | R> {
  const handles = isOfKind<T, K>(kinds);
  return concatMap((item) => (handles(item) ? project(item) : of(item as NotOfKind<T, K>)));
}
