import { isAxiosError, isCancel, type AxiosInstance } from 'axios';
import type { OperatorFunction } from 'rxjs';
import { checkSetting, DEFAULTS } from '../settings.ts';
import { attemptsOf, createHttpClient, readFrameAnswer, type HttpClientOptions } from '../http/http-client.ts';
import type { FailedItem, FetchedItem, NotFoundItem, PipelineItem, RequestItem, Variant } from '../items.ts';
import { mergeOnKind, type NotOfKind } from './on-kind.ts';

export interface FetchFramesOptions extends HttpClientOptions {
  readonly concurrency?: number;
  /** Fetch the thumbnail when the full-size frame is missing. */
  readonly thumbnailFallback?: boolean;
  /** An axios instance to use instead of `createHttpClient(options)`. */
  readonly http?: AxiosInstance;
  /** Aborts requests in flight. */
  readonly signal?: AbortSignal;
}

type Attempt =
  | { readonly kind: 'image'; readonly body: Buffer; readonly attempts: number }
  | { readonly kind: 'missing'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly error: string; readonly attempts: number };

const timeoutCodes = new Set(['ECONNABORTED', 'ETIMEDOUT']);

function describeError(error: unknown): string {
  if (isCancel(error)) return 'interrupted';
  if (!isAxiosError(error)) return error instanceof Error ? error.message : String(error);
  if (error.response && !timeoutCodes.has(error.code ?? '')) {
    const answer = readFrameAnswer(error.response);
    return answer.kind === 'bad' ? answer.reason : `HTTP ${error.response.status}`;
  }
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

async function attempt(http: AxiosInstance, url: string, signal: AbortSignal | undefined): Promise<Attempt> {
  try {
    const response = await http.get(url, { signal });
    const answer = readFrameAnswer(response);
    const attempts = attemptsOf(response);
    return answer.kind === 'image' ? { kind: 'image', body: answer.body, attempts } : { kind: 'missing', attempts };
  } catch (error) {
    return { kind: 'failed', error: describeError(error), attempts: isAxiosError(error) ? attemptsOf(error) : 1 };
  }
}

async function fetchFrame(
  http: AxiosInstance,
  item: RequestItem,
  thumbnailFallback: boolean,
  signal: AbortSignal | undefined,
): Promise<FetchedItem | NotFoundItem | FailedItem> {
  const { frame, urls } = item;
  const tried: string[] = [];
  let attempts = 0;
  const variants: [Variant, string][] = thumbnailFallback
    ? [
        ['full', urls.full],
        ['thumbnail', urls.thumbnail],
      ]
    : [['full', urls.full]];
  for (const [variant, url] of variants) {
    const result = await attempt(http, url, signal);
    tried.push(url);
    attempts += result.attempts;
    if (result.kind === 'failed') return { kind: 'failed', stage: 'fetch', frame, url, error: result.error, attempts };
    if (result.kind === 'image') return { kind: 'fetched', frame, url, variant, body: result.body, attempts };
  }
  return { kind: 'notFound', frame, urls: tried, attempts };
}

/**
 * Requests become `fetched` (a verified JPEG in memory), `notFound` or `failed`, at most
 * `concurrency` at a time; other items pass through.
 */
export function fetchFrames<T extends PipelineItem>(
  options: FetchFramesOptions = {},
): OperatorFunction<T, NotOfKind<T, 'request'> | FetchedItem | NotFoundItem | FailedItem> {
  const {
    concurrency = DEFAULTS.concurrency,
    retries = DEFAULTS.retries,
    thumbnailFallback = DEFAULTS.thumbnailFallback,
    signal,
  } = options;
  checkSetting('concurrency', concurrency, 'concurrency');
  checkSetting('retries', retries, 'retries');
  const http = options.http ?? createHttpClient({ ...options, concurrency, retries });
  return mergeOnKind('request', (item) => fetchFrame(http, item, thumbnailFallback, signal), concurrency);
}
