import { lastValueFrom, of, toArray } from 'rxjs';
import { expect, it } from 'vitest';
import { frameFilePath } from '../../src/frame/layout.ts';
import type { FetchedItem, FrameRef } from '../../src/items.ts';
import { writeToStore } from '../../src/sinks/write-to-disk.ts';
import type { FrameStore, PutOutcome } from '../../src/storage/frame-store.ts';

const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const fetched = (capturedAt: string): FetchedItem => ({
  kind: 'fetched',
  frame: frame(capturedAt),
  url: `https://cdn/${capturedAt}`,
  variant: 'full',
  body: Buffer.from('jpeg'),
  attempts: 1,
});

/** A store of our own kind, as an object store plugs in: it keeps bodies by location. */
function memoryStore(answers: Record<string, 'full' | 'link'> = {}): FrameStore & { kept: Map<string, string> } {
  const kept = new Map<string, string>();
  return {
    kept,
    locationOf: (ref) => frameFilePath('mem:', ref),
    async put(ref, body): Promise<PutOutcome> {
      const location = frameFilePath('mem:', ref);
      if (answers[ref.capturedAt] === 'full') throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      if (answers[ref.capturedAt] === 'link') return { kind: 'refused', location, link: location };
      if (kept.has(location)) return { kind: 'exists', location };
      kept.set(location, Buffer.from(body).toString());
      return { kind: 'written', location, sha256: 'f'.repeat(64) };
    },
  };
}

it('writeToStore puts fetched frames into any FrameStore and tells written, there already, refused and failed apart', async () => {
  const store = memoryStore({ '2025-09-01T00:30:00': 'full', '2025-09-01T00:40:00': 'link' });
  const items = ['2025-09-01T00:10:00', '2025-09-01T00:10:00', '2025-09-01T00:30:00', '2025-09-01T00:40:00'].map(fetched);
  const outcomes = await lastValueFrom(of(...items).pipe(writeToStore({ store, concurrency: 1 }), toArray()));
  const location = 'mem:/2025-09-01/in_gate/20250901001000_in_gate.jpg';
  expect(outcomes.map((item) => item.kind)).toEqual(['downloaded', 'alreadyExisted', 'failed', 'failed']);
  expect(outcomes[0]).toMatchObject({ filePath: location, bytes: 4, sha256: 'f'.repeat(64) });
  expect(outcomes[2]).toMatchObject({ stage: 'write', error: 'cannot write mem:/2025-09-01/in_gate/20250901003000_in_gate.jpg: ENOSPC' });
  expect(outcomes[3]).toMatchObject({ stage: 'place' });
  expect([...store.kept]).toEqual([[location, 'jpeg']]);
});
