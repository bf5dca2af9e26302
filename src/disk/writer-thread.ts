// The body of a writer thread: one atomic file write per message (see `writer-threads.ts`).
import { parentPort } from 'node:worker_threads';
import { writeAtomicallySync, type AtomicWrite } from './atomic-write.ts';

parentPort!.on('message', ({ id, write }: { id: number; write: AtomicWrite }) => {
  try {
    parentPort!.postMessage({ id, outcome: writeAtomicallySync(write) });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    parentPort!.postMessage({ id, error: { code, message } });
  } finally {
    // frees the body now: this thread's small heap would collect it late, so memory would grow
    (write.body.buffer as ArrayBuffer).transfer(0);
  }
});
