import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import { jpegDefect } from '../frame/jpeg.ts';
import { createRequestGate, type RequestGate } from './request-gate.ts';
import { BODY_TOO_LARGE, undiciAdapter } from './undici-adapter.ts';
import { parseRetryAfter, retryDelayMs } from './retry-delay.ts';
import { DEFAULTS, DEADLINE_PER_TIMEOUT, MAX_TIMER_MS } from '../settings.ts';

export interface HttpClientOptions {
  readonly concurrency?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
  /** The longest a request may take in all, in ms (default 4 x `timeoutMs`): a body that trickles in never goes silent for `timeoutMs`. */
  readonly requestDeadlineMs?: number;
  /** The slowest body accepted, in bytes per second over each `timeoutMs` window (default 1 KiB/s; 0: no floor). */
  readonly minBytesPerSecond?: number;
  /** Bodies larger than this are refused, not retried (default 8 MiB; real frames are 100-140 KB). */
  readonly maxFrameBytes?: number;
  /** An `Authorization` header sent with every request (see `withoutCredentials`). */
  readonly authorization?: string;
  /** A hostile `Retry-After: 86400` must not stall a run for a day. */
  readonly maxRetryAfterMs?: number;
  readonly onRetry?: (error: AxiosError) => void;
  /**
   * Called once, with a line naming the host and the error, when a request cannot reach its server
   * (connection refused, unknown host, TLS failure) before the server has answered anything: such
   * a run is misconfigured or offline, and these errors are then not retried.
   */
  readonly onUnreachable?: (reason: string) => void;
  /** Host-wide pause on Retry-After, request rate and bandwidth; by default one that only pauses. */
  readonly gate?: RequestGate;
}

/** What a response says about a frame. */
export type FrameAnswer =
  | { readonly kind: 'image'; readonly body: Buffer }
  | { readonly kind: 'missing'; readonly reason: string }
  | { readonly kind: 'bad'; readonly reason: string };

const missingStatuses = new Set([404, 410]);
const pushbackStatuses = new Set([429, 503]);
const retryableStatuses = new Set([408, 429]);

/** axios rejects a body that breaks off mid-way (of any status) with the response but without its data. */
function isBrokenBody({ data }: AxiosResponse): boolean {
  return !Buffer.isBuffer(data) && !(data instanceof ArrayBuffer);
}

export function readFrameAnswer(response: AxiosResponse): FrameAnswer {
  if (isBrokenBody(response)) return { kind: 'bad', reason: 'truncated body: the connection closed or stalled mid-body' };
  if (missingStatuses.has(response.status)) return { kind: 'missing', reason: `HTTP ${response.status}` };
  if (response.status !== 200) return { kind: 'bad', reason: `HTTP ${response.status}` };
  const contentType = String(response.headers['content-type'] ?? '');
  if (!contentType.startsWith('image/')) return { kind: 'missing', reason: `HTTP 200 with ${contentType || 'no content type'}` };
  const { data } = response;
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const declared = response.headers['content-length'];
  const encoded = response.headers['content-encoding'];
  const defect = jpegDefect(body, declared !== undefined && !encoded ? Number(declared) : undefined);
  return defect ? { kind: 'bad', reason: defect } : { kind: 'image', body };
}

/** The code of the error thrown for a 200 whose body is not a whole JPEG, so that it is retried. */
const BAD_FRAME = 'EBADFRAME';

function isRetryable(error: AxiosError): boolean {
  if (axios.isCancel(error) || error.code === 'ERR_CANCELED') return false;
  if (error.code === BAD_FRAME) return true;
  if (error.code === BODY_TOO_LARGE) return false;
  const response = error.response;
  if (!response || isBrokenBody(response)) return true;
  return response.status >= 500 || retryableStatuses.has(response.status);
}

/** Errors of a server that cannot be reached at all: refused, unknown, or not speaking TLS as asked. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTO']);
const tlsCode = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT)/;

function isUnreachable({ code, response }: AxiosError): boolean {
  return !response && code !== undefined && (unreachableCodes.has(code) || tlsCode.test(code));
}

function hostOf(config: AxiosError['config']): string {
  try {
    return new URL(config?.url ?? '').host;
  } catch {
    return 'the server';
  }
}

/** The number of attempts axios-retry made for the request behind a response or error. */
export function attemptsOf(source: { config?: { 'axios-retry'?: { retryCount?: number } } }): number {
  return (source.config?.['axios-retry']?.retryCount ?? 0) + 1;
}

/**
 * axios on undici (`undiciAdapter`, keep-alive connections) and axios-retry: exponential backoff with jitter on network errors,
 * timeouts, 408, 429, 5xx and corrupt or truncated JPEGs; 404/410 and soft-404 pages are answers.
 * A Retry-After on 429 or 503 pauses every request of the client. `timeoutMs` is how long a
 * request may wait for its headers or between two body bytes, so a stalled body is aborted;
 * `requestDeadlineMs` and `minBytesPerSecond` end one that trickles; a body over `maxFrameBytes` is refused.
 */
export function createHttpClient(options: HttpClientOptions = {}): AxiosInstance {
  const {
    concurrency = DEFAULTS.concurrency,
    retries = DEFAULTS.retries,
    timeoutMs = DEFAULTS.timeoutMs,
    onRetry,
    maxRetryAfterMs = DEFAULTS.maxRetryAfterMs,
  } = options;
  const {
    requestDeadlineMs = DEADLINE_PER_TIMEOUT * timeoutMs,
    minBytesPerSecond = DEFAULTS.minBytesPerSecond,
    maxFrameBytes = DEFAULTS.maxFrameBytes,
  } = options;
  const gate = options.gate ?? createRequestGate();
  let answeredOnce = false;
  let unreachable = false;
  const client = axios.create({
    timeout: timeoutMs,
    maxContentLength: maxFrameBytes,
    responseType: 'arraybuffer',
    adapter: undiciAdapter({
      connections: concurrency,
      maxRedirects: 5,
      deadlineMs: Math.min(requestDeadlineMs, MAX_TIMER_MS),
      minBytesPerSecond,
    }),
    // 404 and 410 are answers (the frame is not there), not errors
    validateStatus: (status) => (status >= 200 && status < 300) || missingStatuses.has(status),
    headers: {
      'User-Agent': 'draydog (+https://www.npmjs.com/package/draydog)',
      ...(options.authorization ? { Authorization: options.authorization } : {}),
    },
  });
  // Before axios-retry, so it sees every answer, including those that get retried.
  client.interceptors.response.use(
    (response) => {
      answeredOnce = true;
      gate.answered(response.config);
      const answer = readFrameAnswer(response);
      if (answer.kind === 'bad') throw new AxiosError(answer.reason, BAD_FRAME, response.config, response.request, response);
      return response;
    },
    (error: AxiosError) => {
      const { response, config } = error;
      answeredOnce ||= response !== undefined;
      if (!answeredOnce && !unreachable && isUnreachable(error)) {
        unreachable = true;
        // TLS messages carry OpenSSL's lines: the first says it
        options.onUnreachable?.(`cannot reach ${hostOf(config)}: ${error.code} (${error.message.split('\n')[0].trim()})`);
      }
      const retryAfterMs = parseRetryAfter(response?.headers?.['retry-after']);
      const pushedBack = retryAfterMs !== undefined && pushbackStatuses.has(response?.status ?? 0);
      if (config) gate.answered(config, pushedBack ? Math.min(retryAfterMs, maxRetryAfterMs) : undefined);
      throw error;
    },
  );
  axiosRetry(client, {
    retries,
    shouldResetTimeout: true,
    retryCondition: (error) => !(unreachable && !answeredOnce && isUnreachable(error)) && isRetryable(error),
    retryDelay: (attempt, error) =>
      retryDelayMs(attempt, parseRetryAfter(error.response?.headers?.['retry-after']), {
        baseDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
        maxRetryAfterMs,
      }),
    onRetry: (_count, error) => onRetry?.(error),
  });
  client.interceptors.request.use(async (config) => {
    await gate.beforeRequest(config, config.signal as AbortSignal | undefined);
    return config;
  });
  // After axios-retry, so it sees only the answers that stand
  client.interceptors.response.use(async (response) => {
    const { data } = response;
    if (Buffer.isBuffer(data)) await gate.afterBody(data.length, response.config.signal as AbortSignal | undefined);
    return response;
  });
  return client;
}
