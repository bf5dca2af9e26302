import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { EnvHttpProxyAgent, interceptors, type Dispatcher } from 'undici';

export interface UndiciAdapterOptions {
  /** Connections kept open per host. */
  readonly connections: number;
  readonly maxRedirects?: number;
  /** The longest a request may take from start to the last body byte, in ms, however steadily bytes come (0: no limit). */
  readonly deadlineMs?: number;
  /** Once the headers are in, a body must bring at least this many bytes per second over each `timeout` window (0: no floor). */
  readonly minBytesPerSecond?: number;
}

/** The code of the error for a body larger than `maxContentLength`, declared or received: retrying would not make it smaller. */
export const BODY_TOO_LARGE = 'ERR_BODY_TOO_LARGE';

/** What axios's own http adapter calls these failures, so retry rules and messages stay the same. */
const errorCodes: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: AxiosError.ERR_BAD_RESPONSE,
  UND_ERR_REDIRECT_MAX: 'ERR_FR_TOO_MANY_REDIRECTS',
};

/** A request stopped by one of the adapter's clocks (silence, deadline, too slow a body); its message says which. */
class TimedOut extends Error {}

function axiosErrorFrom(error: unknown, config: InternalAxiosRequestConfig, response: AxiosResponse | undefined): AxiosError {
  if (error instanceof AxiosError) {
    error.config ??= config;
    return error;
  }
  if (error instanceof TimedOut) return new AxiosError(error.message, AxiosError.ECONNABORTED, config, undefined, response);
  if (config.signal?.aborted) return new CanceledError(undefined, undefined, config);
  const { code, message, cause } = error as { code?: string; message?: string; cause?: { code?: string } };
  const systemCode = cause?.code && !cause.code.startsWith('UND_') ? cause.code : undefined;
  const axiosCode = (code && errorCodes[code]) ?? systemCode ?? code ?? AxiosError.ERR_NETWORK;
  return new AxiosError(message ?? String(error), axiosCode, config, undefined, response);
}

function requestBody(data: unknown): string | Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new AxiosError('the undici adapter sends only string or binary bodies', AxiosError.ERR_BAD_REQUEST);
}

/** axios's `settle`: the response when `validateStatus` accepts its status, an error carrying it otherwise. */
function settle(response: AxiosResponse, config: InternalAxiosRequestConfig): AxiosResponse {
  if (!config.validateStatus || config.validateStatus(response.status)) return response;
  const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  throw new AxiosError(`Request failed with status code ${response.status}`, code, config, undefined, response);
}

const absoluteUrl = /^[a-z][a-z\d+\-.]*:\/\//i;

/** axios.getUri merges the config with axios's defaults once more: only worth it when axios must build the URL. */
function urlOf(config: InternalAxiosRequestConfig): URL {
  const { url = '', params } = config;
  return absoluteUrl.test(url) && !params ? new URL(url) : new URL(axios.getUri(config));
}

/** One request through undici's low-level `dispatch`: no body stream, the chunks are gathered as they come. */
function exchange(
  dispatcher: Dispatcher,
  config: InternalAxiosRequestConfig,
  { deadlineMs = 0, minBytesPerSecond = 0 }: UndiciAdapterOptions,
): Promise<AxiosResponse> {
  return new Promise((resolve, reject) => {
    const { signal, timeout = 0, maxContentLength = -1 } = config;
    let controller: Dispatcher.DispatchController | undefined;
    let stopReason: Error | undefined;
    let response: AxiosResponse | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (error: unknown, answer?: AxiosResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      clearInterval(rateCheck);
      signal?.removeEventListener?.('abort', onAbort);
      if (answer) resolve(answer);
      else reject(axiosErrorFrom(stopReason ?? error, config, response));
    };
    // a request not started yet (waiting for a connection) settles at once; undici drops it when it starts
    const stop = (reason: Error) => {
      stopReason ??= reason;
      if (controller) controller.abort(reason);
      else finish(reason);
    };
    const onAbort = () => stop(new CanceledError(undefined, undefined, config));
    // undici's own timeouts tick every half second; one native timer, refreshed by every sign of
    // progress (each redirect hop, the headers, each chunk), keeps `timeout` exact
    const timer = timeout > 0 ? setTimeout(() => stop(new TimedOut(`timeout of ${timeout}ms exceeded`)), timeout) : undefined;
    // a trickle (a byte now and then, never silent for `timeout`) would keep the idle timer alive for ever
    const deadline =
      deadlineMs > 0
        ? setTimeout(() => stop(new TimedOut(`request not done within its deadline of ${deadlineMs}ms`)), deadlineMs)
        : undefined;
    let rateCheck: NodeJS.Timeout | undefined;
    const tooLarge = (what: string) =>
      stop(new AxiosError(`body larger than the ${maxContentLength} bytes allowed (${what})`, BODY_TOO_LARGE, config));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener?.('abort', onAbort, { once: true });
    try {
      const url = urlOf(config);
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
          headers: config.headers.toJSON(true) as Record<string, string>,
          body: requestBody(config.data),
        },
        {
          onRequestStart(started) {
            controller = started;
            if (stopReason) started.abort(stopReason);
            else timer?.refresh();
          },
          onResponseStart(_controller, status, headers, statusText = '') {
            timer?.refresh();
            response = {
              data: undefined,
              status,
              statusText,
              headers: new AxiosHeaders(headers as Record<string, string>),
              config,
              request: {},
            };
            const declared = Number(response.headers['content-length']);
            if (maxContentLength > -1 && declared > maxContentLength) return tooLarge(`Content-Length ${declared}`);
            if (minBytesPerSecond > 0 && timeout > 0) {
              const least = (minBytesPerSecond * timeout) / 1000;
              let receivedAtCheck = received;
              clearInterval(rateCheck);
              rateCheck = setInterval(() => {
                const got = received - receivedAtCheck;
                receivedAtCheck = received;
                if (got < least)
                  stop(new TimedOut(`body too slow: ${got} bytes in ${timeout}ms, under the minimum of ${minBytesPerSecond} bytes/s`));
              }, timeout);
            }
          },
          onResponseData(_controller, chunk) {
            if (settled || stopReason) return;
            timer?.refresh();
            chunks.push(chunk);
            received += chunk.length;
            if (maxContentLength > -1 && received > maxContentLength) tooLarge(`${received} bytes received`);
          },
          onResponseEnd() {
            const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
            response!.data =
              config.responseType === 'arraybuffer'
                ? body
                : body.toString((config.responseEncoding as BufferEncoding | undefined) ?? 'utf8');
            try {
              finish(undefined, settle(response!, config));
            } catch (error) {
              finish(error);
            }
          },
          onResponseError(_controller, error) {
            finish(error);
          },
        },
      );
    } catch (error) {
      finish(error);
    }
  });
}

/**
 * An axios adapter on undici: the same config, responses and error codes as axios's http adapter
 * for what draydog asks (GET, `arraybuffer` or text bodies, timeouts, abort signals, redirects,
 * HTTP(S)_PROXY and NO_PROXY) at about half the CPU per response. `timeout` bounds every wait for
 * the next byte (connection, headers, each gap in the body), like the http adapter's socket idle
 * timeout; `deadlineMs` bounds the whole request and `minBytesPerSecond` the pace of its body. A body
 * over `maxContentLength` is refused as soon as its Content-Length or its bytes say so, never buffered
 * whole. A body that breaks off rejects with the response but without its data, as there.
 */
export function undiciAdapter(options: UndiciAdapterOptions): AxiosAdapter {
  const { connections, maxRedirects = 5 } = options;
  const agent = new EnvHttpProxyAgent({ connections });
  const dispatcher =
    maxRedirects > 0 ? agent.compose(interceptors.redirect({ maxRedirections: maxRedirects, throwOnMaxRedirect: true })) : agent;
  return (config) => exchange(dispatcher, config, options);
}
