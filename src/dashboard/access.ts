import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const TOKEN_COOKIE = 'draydog_ui';

/** Whether an address to listen on reaches this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export interface UiAccess {
  /** Required of every request; none on loopback. */
  readonly token?: string;
  /** True when draydog made the token (and must say it once), false when it came from DRAYDOG_UI_TOKEN. */
  readonly generated: boolean;
}

/** Loopback needs no token; any other address needs DRAYDOG_UI_TOKEN's, or a random one made now. */
export function uiAccess(host: string, env: NodeJS.ProcessEnv): UiAccess {
  if (isLoopback(host)) return { generated: false };
  const given = env.DRAYDOG_UI_TOKEN?.trim();
  return given ? { token: given, generated: false } : { token: randomBytes(24).toString('base64url'), generated: true };
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * How a request proves it may read: `none` needed (no token), the `cookie` or `Authorization: Bearer`
 * header, the `query` (`?token=`, the URL printed at start; the server then sets the cookie), or it
 * does not (`refused`).
 */
export function requestAccess(request: IncomingMessage, url: URL, token: string | undefined): 'none' | 'header' | 'query' | 'refused' {
  if (token === undefined) return 'none';
  const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (sameSecret(bearer, token) || sameSecret(cookieOf(request, TOKEN_COOKIE), token)) return 'header';
  if (sameSecret(url.searchParams.get('token') ?? undefined, token)) return 'query';
  return 'refused';
}

/**
 * On loopback without a token, a page of another site could reach the server through a name that
 * resolves to 127.0.0.1 (DNS rebinding): only requests that name this machine are answered.
 */
export function hostAllowed(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  const name = host.endsWith(`:${port}`) ? host.slice(0, -`:${port}`.length) : host;
  return isLoopback(name);
}
