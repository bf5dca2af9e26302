import { accessSync, constants, statSync } from 'node:fs';
import { BrowserError, InputError } from '../errors.ts';

// The few parts of playwright-core's API that discovery uses, declared here so that the library
// type-checks without playwright-core, an optional peer dependency.
export interface PlaywrightRequest {
  url(): string;
  resourceType(): string;
}
export interface PlaywrightResponse {
  url(): string;
  status(): number;
  headers(): Record<string, string>;
  request(): PlaywrightRequest;
  text(): Promise<string>;
}
export interface PlaywrightRoute {
  request(): PlaywrightRequest;
  abort(errorCode?: string): Promise<void>;
  continue(): Promise<void>;
  fulfill(response: { status?: number; contentType?: string; body?: Buffer }): Promise<void>;
}
export interface PlaywrightLocator {
  first(): PlaywrightLocator;
  filter(options: { hasText?: string | RegExp }): PlaywrightLocator;
  count(): Promise<number>;
  isEditable(options?: { timeout?: number }): Promise<boolean>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  click(options?: { timeout?: number }): Promise<void>;
  waitFor(options?: { state?: 'attached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
}
export interface PlaywrightPage {
  goto(
    url: string,
    options?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle'; timeout?: number },
  ): Promise<PlaywrightResponse | null>;
  reload(options?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle'; timeout?: number }): Promise<PlaywrightResponse | null>;
  locator(selector: string): PlaywrightLocator;
  /** Evaluates a JavaScript expression in the page. */
  evaluate<R>(expression: string): Promise<R>;
  route(url: string | RegExp, handler: (route: PlaywrightRoute) => unknown): Promise<void>;
  on(event: 'request' | 'requestfinished' | 'requestfailed', listener: (request: PlaywrightRequest) => void): unknown;
  on(event: 'response', listener: (response: PlaywrightResponse) => void): unknown;
  close(): Promise<void>;
}
export interface PlaywrightContext {
  newPage(): Promise<PlaywrightPage>;
  close(): Promise<void>;
}
export interface PlaywrightBrowser {
  newContext(options?: { timezoneId?: string; locale?: string; serviceWorkers?: 'allow' | 'block' }): Promise<PlaywrightContext>;
  close(): Promise<void>;
  version(): string;
}
export interface PlaywrightModule {
  readonly chromium: {
    launch(options: { executablePath: string; headless: boolean; args: string[]; timeout?: number }): Promise<PlaywrightBrowser>;
  };
}

/** Where Debian, Ubuntu and Google put Chromium or Chrome; the first that exists is used. */
const BROWSER_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

/**
 * Flags that let Chromium run headless as root, without a display, a GPU or a network beyond the
 * pages it is sent to (no update, sync or background lookups). Playwright adds a fresh temporary
 * `--user-data-dir` for every launch and removes it on close.
 */
const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const INSTALL_PLAYWRIGHT = 'npm install playwright-core';
const INSTALL_BROWSER =
  'install Chromium (apt-get install -y chromium) or name a Chromium or Chrome binary with --browser-path or DRAYDOG_BROWSER';

function isModuleNotFound(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (typeof message !== 'string' || message.includes('playwright-core'))
  );
}

/** `playwright-core`, imported on first use; an InputError naming what to install when it is not there. */
export async function loadPlaywright(importer: () => Promise<unknown> = () => import('playwright-core')): Promise<PlaywrightModule> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    throw new InputError(`discovering frames needs playwright-core, which is not installed: run \`${INSTALL_PLAYWRIGHT}\``);
  }
  const module = loaded as Partial<PlaywrightModule> & { default?: Partial<PlaywrightModule> };
  const chromium = module.chromium ?? module.default?.chromium;
  if (!chromium) throw new InputError(`playwright-core has no chromium launcher: run \`${INSTALL_PLAYWRIGHT}\``);
  return { chromium };
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The browser to run: `explicit` (`--browser-path`), else `DRAYDOG_BROWSER`, else the first of
 * `BROWSER_CANDIDATES` that exists. Never downloads one: an InputError says what to install.
 */
export function resolveBrowserPath(explicit?: string, env: NodeJS.ProcessEnv = process.env, candidates = BROWSER_CANDIDATES): string {
  const chosen = explicit || env.DRAYDOG_BROWSER;
  if (chosen) {
    if (isExecutableFile(chosen)) return chosen;
    const source = explicit ? '--browser-path' : 'DRAYDOG_BROWSER';
    throw new InputError(`invalid ${source} "${chosen}": no executable browser there; ${INSTALL_BROWSER}`);
  }
  const found = candidates.find(isExecutableFile);
  if (!found) throw new InputError(`no Chromium found (looked for ${candidates.join(', ')}): ${INSTALL_BROWSER}`);
  return found;
}

export interface LaunchOptions {
  /** Chromium or Chrome binary; see `resolveBrowserPath`. */
  readonly executablePath?: string;
  /** Where `DRAYDOG_BROWSER` is read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** How long the launch may take (default 30 s). */
  readonly launchTimeoutMs?: number;
  /** Imports playwright-core (for tests). */
  readonly importer?: () => Promise<unknown>;
}

/** Checks, without starting anything, that a browser can be launched: playwright-core is installed and the binary is there. */
export async function assertBrowserAvailable(options: LaunchOptions = {}): Promise<string> {
  await loadPlaywright(options.importer);
  return resolveBrowserPath(options.executablePath, options.env);
}

/** Headless Chromium from the system, driven by playwright-core. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<PlaywrightBrowser> {
  const playwright = await loadPlaywright(options.importer);
  const executablePath = resolveBrowserPath(options.executablePath, options.env);
  try {
    return await playwright.chromium.launch({
      executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      timeout: options.launchTimeoutMs ?? 30_000,
    });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new BrowserError(`cannot start the browser "${executablePath}": ${reason}`, { cause: error });
  }
}
