import { Redis } from 'ioredis';
import { withoutPassword } from '../catalog/catalog-location.ts';
import { InputError } from '../errors.ts';

/** Refuses anything but `redis://` or `rediss://` with a host, in one line without the password. */
export function assertQueueUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname)
    throw new InputError(`invalid --queue "${withoutPassword(url)}": give a Redis URL, redis://[user:password@]host:port[/db]`);
  return url;
}

/** How long the first connection may take before the queue counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * A connection to the queue's Redis, made once to find out whether it is there at all: an
 * unreachable server, a wrong password or something that is not Redis is an InputError naming the
 * URL without its password. Once connected, the connection outlives blips: it reconnects for ever
 * and its commands wait meanwhile (`maxRetriesPerRequest: null`, as BullMQ's workers require).
 */
export async function connectQueue(url: string): Promise<Redis> {
  assertQueueUrl(url);
  let connected = false;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  });
  // ioredis reports every failed reconnection as an error event: the first connection's says why it
  // failed (connect() only says the connection closed); later ones are waited out by the commands
  let connectError: Error | undefined;
  redis.on('error', (error) => {
    if (!connected) connectError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    connected = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = (connectError ?? error) as NodeJS.ErrnoException;
    const reason = cause.code ?? cause.message.split('\n')[0];
    throw new InputError(`cannot reach the queue at ${withoutPassword(url)}: ${reason}`, { cause: error });
  }
}
