import type { OperatorFunction } from 'rxjs';
import { InputError } from '../errors.ts';
import type { PipelineItem, RequestItem } from '../items.ts';
import { onKind, type NotOfKind } from './on-kind.ts';
import { DEFAULTS } from '../settings.ts';
import { frameUrls } from '../frame/layout.ts';

export interface BuildUrlsOptions {
  readonly baseUrl?: string;
}

/** Returns `url` when it is an http(s) URL; otherwise an InputError that names it as `what`. */
export function assertHttpUrl(url: string, what: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new InputError(`invalid ${what} "${url}": expected an http:// or https:// URL`);
  }
  return url;
}

export function assertBaseUrl(baseUrl: string): string {
  return assertHttpUrl(baseUrl, 'base URL');
}

/**
 * A base URL's user info (`http://user:secret@host`) taken out: the URL without it, fit to store and
 * print (catalog rows, reports, logs), and the user info as a Basic `Authorization` header value.
 */
export function withoutCredentials(baseUrl: string): { readonly baseUrl: string; readonly authorization?: string } {
  const url = new URL(assertBaseUrl(baseUrl.trim()));
  if (!url.username && !url.password) return { baseUrl };
  const userInfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  // the text after the authority's last @, not url.href: that would add a slash to a bare origin
  return {
    baseUrl: baseUrl.replace(/^([a-z][a-z\d+\-.]*:\/\/)[^/?#]*@/i, '$1'),
    authorization: `Basic ${Buffer.from(userInfo).toString('base64')}`,
  };
}

/** Frames become requests carrying their full-size and thumbnail URLs; other items pass through. */
export function buildUrls<T extends PipelineItem>(
  options: BuildUrlsOptions = {},
): OperatorFunction<T, NotOfKind<T, 'frame'> | RequestItem> {
  const baseUrl = assertBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
  return onKind('frame', ({ frame }): RequestItem => ({ kind: 'request', frame, urls: frameUrls(frame, baseUrl) }));
}
