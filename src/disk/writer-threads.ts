import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AtomicWrite, AtomicWriteOutcome } from './atomic-write.ts';

type Reply = { id: number; outcome: AtomicWriteOutcome } | { id: number; error: { code?: string; message: string } };

interface Waiting {
  resolve(outcome: AtomicWriteOutcome): void;
  reject(error: Error): void;
}

/** Beside this module in the sources; beside the bundle that holds this module once built (see `scripts/build.ts`). */
const WRITER_THREAD_FILE = new URL(import.meta.url.endsWith('.ts') ? './writer-thread.ts' : './writer-thread.js', import.meta.url);

/** A thread that writes files, referenced (keeping the process alive) only while it has work. */
class WriterThread {
  private readonly worker = new Worker(WRITER_THREAD_FILE);
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  constructor(onExit: () => void) {
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.waiting.get(reply.id)!;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ('outcome' in reply) waiting.resolve(reply.outcome);
      else waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => {
      this.failAll(new Error(`the writer thread exited with code ${code}`));
      onExit();
    });
  }

  write(write: AtomicWrite): Promise<AtomicWriteOutcome> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const post = (body: Uint8Array) => this.worker.postMessage({ id, write: { ...write, body } }, [body.buffer as ArrayBuffer]);
      try {
        try {
          post(ownsItsMemory(write.body) ? write.body : new Uint8Array(write.body));
        } catch {
          post(new Uint8Array(write.body)); // memory that cannot be moved (WebAssembly's, say) is copied
        }
      } catch (error) {
        return reject(error);
      }
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker.ref();
    });
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** A view over a whole ArrayBuffer of its own can be handed to the thread; a slice of a shared pool cannot. */
function ownsItsMemory(body: Uint8Array): boolean {
  return (
    body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer && body.byteLength >= 4096
  );
}

/** Enough threads to keep the cores busy with file creation, which is mostly kernel time. */
const THREADS = Math.min(4, Math.max(2, availableParallelism()));
const KEPT_FOLDERS = 64;
const threads: WriterThread[] = [];
const threadOfFolder = new Map<string, WriterThread>();
let nextThread = 0;

/**
 * The thread that writes into `folder`. Folders are dealt out in turn, so two threads never create
 * files in one folder at once (creating a name locks its folder) and the streams of a slot, which
 * arrive together, are written in parallel.
 */
function threadFor(folder: string): WriterThread {
  const kept = threadOfFolder.get(folder);
  if (kept) {
    // most recently used last, so the folders being written are the last to be forgotten
    threadOfFolder.delete(folder);
    threadOfFolder.set(folder, kept);
    return kept;
  }
  if (threads.length < THREADS) {
    const thread: WriterThread = new WriterThread(() => {
      threads.splice(threads.indexOf(thread), 1);
      for (const [name, owner] of threadOfFolder) if (owner === thread) threadOfFolder.delete(name);
    });
    threads.push(thread);
  }
  const thread = threads[nextThread++ % threads.length];
  threadOfFolder.set(folder, thread);
  if (threadOfFolder.size > KEPT_FOLDERS) threadOfFolder.delete(threadOfFolder.keys().next().value!);
  return thread;
}

/**
 * Writes a file atomically (see `writeAtomicallySync`) on one of a few process-wide writer threads.
 * The body's memory is moved to the thread, not copied, when it owns its ArrayBuffer: the caller's
 * view is then empty.
 */
export function writeOffThread(write: AtomicWrite): Promise<AtomicWriteOutcome> {
  return threadFor(dirname(write.finalPath)).write(write);
}
