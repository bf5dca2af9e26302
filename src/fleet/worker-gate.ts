import { createRequestGate, type RequestGate, type RequestGateOptions } from '../http/request-gate.ts';

/** The gate every request of one worker passes through, shared by the partitions it runs at once. */
export function workerGate({ ratePerSecond, bytesPerSecond }: Pick<RequestGateOptions, 'ratePerSecond' | 'bytesPerSecond'>): RequestGate {
  return createRequestGate({ ratePerSecond, bytesPerSecond });
}
