import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { InputError } from '../errors.ts';
import { createRequestGate, type RequestGate } from '../http/request-gate.ts';

export interface FleetGateOptions {
  /** The Redis every process of the fleet shares; the gate only sends it commands, it never closes it. */
  readonly redis: Redis;
  /** Names the budget: the processes that pass the same name (e.g. the queue's) share one budget and one pause. */
  readonly name: string;
  /** Requests started per second by the whole fleet, evenly spaced; unset: no rate, only the shared pause. */
  readonly ratePerSecond?: number;
  /** Body bytes per second of this process alone (each machine has its own link). */
  readonly bytesPerSecond?: number;
  /** How long the first request after a pause holds back the fleet at most when it gets no answer (default 10 s). */
  readonly probeTimeoutMs?: number;
  /** Called with each Redis call that failed or went 2 s without an answer; requests wait until Redis answers. */
  readonly onRedisError?: (error: Error) => void;
  readonly now?: () => number;
}

// Redis's own clock decides every time here, so that machines whose clocks disagree still share one schedule.
// KEYS: the next free start, the end of the pause, the probe in flight, whether a probe is due.
// ARGV: ms between starts (0: no rate), this request's id, the probe's time to live, the start reserved earlier (or '').
// Returns { ms to wait, what for }: 'go' (start after the wait), 'probe' (go, as the first request after a pause),
// 'paused' or 'held' (another request's probe is in flight): ask again after the wait.
const TAKE_SCRIPT = luaScript(`
local clock = redis.call('TIME')
local now = clock[1] * 1000 + clock[2] / 1000
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pausedUntil > now then return { math.ceil(pausedUntil - now), 'paused' } end
local role = 'go'
local probe = redis.call('GET', KEYS[3])
if probe == ARGV[2] then
  role = 'probe'
elseif probe then
  return { -1, 'held' }
elseif redis.call('DEL', KEYS[4]) == 1 then
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  role = 'probe'
end
local interval = tonumber(ARGV[1])
if interval == 0 then return { 0, role } end
-- A start reserved earlier goes when due; one missed by more than an interval (the process stalled) is not
-- used, so that late requests do not bunch up with the ones on time.
if ARGV[4] ~= '' and tonumber(ARGV[4]) <= now and now < tonumber(ARGV[4]) + interval then return { 0, role } end
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.3f', start + interval), 'PX', math.ceil(start - now + interval) + 1000)
return { math.ceil(start - now), role, string.format('%.3f', start) }
`);

// KEYS: the end of the pause, whether a probe is due, the probe in flight. ARGV: the pause in ms (or ''), the answered request's id.
const ANSWER_SCRIPT = luaScript(`
if ARGV[1] ~= '' then
  local clock = redis.call('TIME')
  local pauseMs = tonumber(ARGV[1])
  local pausedUntil = clock[1] * 1000 + clock[2] / 1000 + pauseMs
  if pausedUntil > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], string.format('%.3f', pausedUntil), 'PX', math.ceil(pauseMs) + 1)
  end
  redis.call('SET', KEYS[2], '1', 'PX', math.ceil(pauseMs) + 60000)
end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 0
`);

/** How long one Redis call may take before it counts as failed (a Redis that stopped answering, not one that is slow). */
const REDIS_CALL_TIMEOUT_MS = 2000;
/** The first wait after a failed Redis call; it doubles up to `REDIS_RETRY_MAX_MS`. */
const REDIS_RETRY_FIRST_MS = 100;
const REDIS_RETRY_MAX_MS = 2000;
/** How often a request held behind another process's probe asks again. */
const PROBE_POLL_MS = 25;

interface LuaScript {
  readonly text: string;
  readonly sha1: string;
}

function luaScript(text: string): LuaScript {
  return { text, sha1: createHash('sha1').update(text).digest('hex') };
}

function assertFleetGateOptions({ name, ratePerSecond, probeTimeoutMs }: FleetGateOptions): void {
  if (!name) throw new InputError('invalid fleet gate name "": name the budget (e.g. the queue name)');
  if (ratePerSecond !== undefined && !(ratePerSecond > 0 && Number.isFinite(ratePerSecond))) {
    throw new InputError(`invalid fleet rate "${ratePerSecond}": expected requests per second > 0`);
  }
  if (probeTimeoutMs !== undefined && !(Number.isInteger(probeTimeoutMs) && probeTimeoutMs > 0)) {
    throw new InputError(`invalid probe timeout "${probeTimeoutMs}": expected milliseconds > 0`);
  }
}

/** `promise`, with whether it has settled yet. */
function tracked<T>(promise: Promise<T>): { readonly promise: Promise<T>; readonly settled: boolean } {
  const state = { promise, settled: false };
  const settle = () => {
    state.settled = true;
  };
  promise.then(settle, settle);
  return state;
}

/** `promise`, or a rejection when it takes longer than `ms` or `signal` aborts first. */
async function within<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  const { promise: stopped, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal?.reason);
  const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([promise, stopped]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A `RequestGate` whose rate and pause hold for every process that shares `redis` and `name`: each request
 * reserves the next free start of the fleet-wide schedule, starts `1000 / ratePerSecond` ms apart on Redis's
 * clock, so at most `ratePerSecond + 1` starts are reserved in any sliding second; the server sees each start
 * plus the request's way there (timers, connecting, a process stalled for a moment), so a few more when one
 * stalls (3 processes at 20/s on a 2-core machine at load 10: 21 to 23 in the server's busiest second). A Retry-After seen by
 * any process pauses all of them (the longest pause wins); after a pause one request of the fleet goes first
 * and the others follow only once it was not pushed back (or after `probeTimeoutMs` without its answer).
 *
 * While Redis cannot be reached, requests wait and go on once it answers: a failed call is sent again after a
 * capped backoff, a slow one is waited for, and each failure or 2 s without an answer goes to `onRedisError`.
 * A fleet without its shared budget would be as many clients as processes, so it holds rather than guesses.
 * A pause is also kept in this process, so it holds even when Redis misses it. Waits end when the request's
 * signal aborts. Bandwidth stays per process: it guards the machine's own link, and sharing it would cost a
 * round trip per body.
 */
export function createFleetGate(options: FleetGateOptions): RequestGate {
  assertFleetGateOptions(options);
  const { redis, name, ratePerSecond, probeTimeoutMs = 10_000, onRedisError, now = Date.now } = options;
  const bandwidth = createRequestGate({ bytesPerSecond: options.bytesPerSecond, now });
  const key = (part: string) => `draydog:gate:{${name}}:${part}`;
  const takeKeys = [key('next'), key('paused-until'), key('probe'), key('probe-due')];
  const answerKeys = [key('paused-until'), key('probe-due'), key('probe')];
  const intervalMs = ratePerSecond ? 1000 / ratePerSecond : 0;
  const processId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const ticketIds = new WeakMap<object, string>();
  const probes = new WeakSet<object>();
  let nextTicket = 0;
  let localPauseUntil = 0;

  const idOf = (ticket: object) => {
    let id = ticketIds.get(ticket);
    if (!id) {
      nextTicket += 1;
      id = `${processId}-${nextTicket}`;
      ticketIds.set(ticket, id);
    }
    return id;
  };

  const runScript = async (script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('NOSCRIPT'))) throw error;
      return redis.eval(script.text, keys.length, ...keys, ...args);
    }
  };

  /**
   * Runs `call` until Redis answers it, or until `signal` aborts or `giveUpAt` passes (then it rejects).
   * A call still on its way is waited for, never sent again: a client that queues commands while Redis is
   * away would send a pile of stale reservations when it is back, spending the fleet's budget on nothing.
   */
  const untilAnswered = async <T>(call: () => Promise<T>, signal?: AbortSignal, giveUpAt = Number.POSITIVE_INFINITY): Promise<T> => {
    let retryMs = REDIS_RETRY_FIRST_MS;
    let attempt = tracked(call());
    for (;;) {
      try {
        return await within(attempt.promise, REDIS_CALL_TIMEOUT_MS, signal);
      } catch (error) {
        if (signal?.aborted || now() + retryMs > giveUpAt) throw error;
        onRedisError?.(error as Error);
        if (!attempt.settled) continue;
        await sleep(retryMs, undefined, { signal });
        retryMs = Math.min(2 * retryMs, REDIS_RETRY_MAX_MS);
        attempt = tracked(call());
      }
    }
  };

  /** Tells the fleet about an answer; retried in the background until it no longer matters. */
  const report = (ticket: object, pauseMs: number | undefined) => {
    const id = ticketIds.get(ticket);
    const wasProbe = probes.delete(ticket);
    if (pauseMs === undefined && !wasProbe) return;
    const mattersUntil = now() + Math.max(pauseMs ?? 0, wasProbe ? probeTimeoutMs : 0);
    const args = [pauseMs === undefined ? '' : Math.max(0, pauseMs), id ?? ''];
    untilAnswered(() => runScript(ANSWER_SCRIPT, answerKeys, args), undefined, mattersUntil).catch(() => undefined);
  };

  const take = async (ticket: object, signal?: AbortSignal) => {
    let reservedStart = '';
    for (;;) {
      const localPauseMs = localPauseUntil - now();
      if (localPauseMs > 0) await sleep(localPauseMs, undefined, { signal });
      const args = [intervalMs, idOf(ticket), probeTimeoutMs, reservedStart];
      const [waitMs, role, start] = (await untilAnswered(() => runScript(TAKE_SCRIPT, takeKeys, args), signal)) as [
        number,
        string,
        string?,
      ];
      if (role === 'probe') probes.add(ticket);
      if (role === 'held') {
        await sleep(PROBE_POLL_MS, undefined, { signal });
        continue;
      }
      if (waitMs > 0) await sleep(waitMs, undefined, { signal });
      // A start reserved ahead is asked for again once due: a pause may have begun in the meantime.
      if (role !== 'paused' && (waitMs <= 0 || start === undefined)) return;
      reservedStart = role === 'paused' ? '' : (start ?? '');
    }
  };

  const gate: RequestGate = {
    pauseFor(ms) {
      localPauseUntil = Math.max(localPauseUntil, now() + ms);
      report({}, ms);
    },
    async beforeRequest(ticket, signal) {
      try {
        await take(ticket, signal);
      } catch (error) {
        // An aborted call may still reach Redis and make this request the probe: release it whatever happened.
        probes.add(ticket);
        report(ticket, undefined);
        throw error;
      }
    },
    answered(ticket, pushbackMs) {
      if (pushbackMs !== undefined) localPauseUntil = Math.max(localPauseUntil, now() + pushbackMs);
      report(ticket, pushbackMs);
    },
    afterBody: (bytes, signal) => bandwidth.afterBody(bytes, signal),
  };
  return gate;
}
