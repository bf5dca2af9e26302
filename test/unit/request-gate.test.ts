import { describe, expect, it } from 'vitest';
import { createRequestGate } from '../../src/http/request-gate.ts';

/** Milliseconds since the call; the waits under test are real, so they are kept to tens of milliseconds. */
function startedAt() {
  const t0 = Date.now();
  return () => Date.now() - t0;
}

describe('createRequestGate', () => {
  it('lets requests through at once when nothing holds them back', async () => {
    const gate = createRequestGate();
    const elapsed = startedAt();
    await Promise.all([1, 2, 3].map((n) => gate.beforeRequest({ n })));
    expect(elapsed()).toBeLessThan(20);
  });

  it('holds every request during a pause, then lets one probe go first and the rest after its answer', async () => {
    const gate = createRequestGate();
    const order: string[] = [];
    gate.pauseFor(60);
    const elapsed = startedAt();
    const tickets = ['a', 'b', 'c'].map((id) => ({ id }));
    const started = tickets.map((ticket) => gate.beforeRequest(ticket).then(() => order.push(ticket.id)));
    await Promise.race(started);
    expect(elapsed()).toBeGreaterThanOrEqual(55);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(order).toHaveLength(1); // the others wait for the probe's answer
    gate.answered(tickets.find(({ id }) => id === order[0])!);
    await Promise.all(started);
    expect(order.toSorted()).toEqual(['a', 'b', 'c']);
  });

  it('pauses again when the probe is pushed back', async () => {
    const gate = createRequestGate();
    gate.pauseFor(10);
    const probe = {};
    await gate.beforeRequest(probe);
    const follower = gate.beforeRequest({});
    const elapsed = startedAt();
    gate.answered(probe, 80);
    await follower;
    expect(elapsed()).toBeGreaterThanOrEqual(75);
  });

  it('spaces requests for a rate', async () => {
    const gate = createRequestGate({ ratePerSecond: 50 });
    const elapsed = startedAt();
    for (let n = 0; n < 6; n += 1) await gate.beforeRequest({ n });
    expect(elapsed()).toBeGreaterThanOrEqual(95); // 5 gaps of 20 ms
  });

  it('meters bodies for a bandwidth', async () => {
    const gate = createRequestGate({ bytesPerSecond: 10_000 });
    const elapsed = startedAt();
    await gate.afterBody(500);
    await gate.afterBody(500);
    expect(elapsed()).toBeGreaterThanOrEqual(95);
  });

  it('releases its probe when it is aborted while waiting for its turn', async () => {
    const gate = createRequestGate({ ratePerSecond: 5 });
    await gate.beforeRequest({});
    gate.pauseFor(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const controller = new AbortController();
    const aborted = gate.beforeRequest({}, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toThrow();
    await gate.beforeRequest({}); // would wait forever for an unreleased probe
  });
});
