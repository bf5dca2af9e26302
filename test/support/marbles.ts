import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** A TestScheduler whose assertions go through vitest. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
