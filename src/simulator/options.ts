import { assertName, InputError } from '../frame-time.ts';

export type FrameTiming = 'grid' | 'irregular';
export type FaultLevel = 'none' | 'mild' | 'harsh';
/** `full`: 1200x675 frames of about 90-140 KB like the real camera; `small`: a few KB, for fast tests and benchmarks. */
export type FrameSize = 'full' | 'small';

export interface SimulatorOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Decides everything the camera serves: which frames exist, their times, their bytes and faults. */
  readonly seed?: number;
  readonly terminal?: string;
  readonly streams?: readonly string[];
  /** `grid`: frames on each exact 10-minute mark; `irregular`: one at a random time inside each 10-minute slot. */
  readonly timing?: FrameTiming;
  /** Share of 10-minute slots without any frame. */
  readonly missing?: number;
  /** Share of frames that exist only as a thumbnail. */
  readonly thumbnailOnly?: number;
  readonly faults?: FaultLevel;
  /** Delay before every answer. */
  readonly latencyMs?: number;
  readonly frameSize?: FrameSize;
}

export type ResolvedSimulatorOptions = Required<SimulatorOptions>;

export const DEFAULT_SIMULATOR_OPTIONS: ResolvedSimulatorOptions = {
  port: 0,
  host: '127.0.0.1',
  seed: 1,
  terminal: 'apm',
  streams: ['in_gate', 'out_gate'],
  timing: 'irregular',
  missing: 0.1,
  thumbnailOnly: 0.03,
  faults: 'none',
  latencyMs: 0,
  frameSize: 'full',
};

function assertShare(value: number, what: string): void {
  if (!(value >= 0 && value <= 1)) throw new InputError(`invalid ${what} "${value}": expected a share from 0 to 1`);
}

function assertOneOf<T extends string>(value: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(value)) throw new InputError(`invalid ${what} "${value}": expected ${allowed.join(', ')}`);
}

/** The options with defaults filled in; throws InputError on a value a user can fix. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const resolved = { ...DEFAULT_SIMULATOR_OPTIONS, ...withoutUndefined(options) };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new InputError(`invalid port "${resolved.port}": expected 0 to 65535`);
  }
  if (!Number.isSafeInteger(resolved.seed)) throw new InputError(`invalid seed "${resolved.seed}": expected an integer`);
  if (!(resolved.latencyMs >= 0)) throw new InputError(`invalid latency "${resolved.latencyMs}": expected milliseconds >= 0`);
  if (resolved.streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  assertName(resolved.terminal, 'terminal');
  resolved.streams.forEach((stream) => assertName(stream, 'stream'));
  assertShare(resolved.missing, 'missing share');
  assertShare(resolved.thumbnailOnly, 'thumbnail-only share');
  assertOneOf(resolved.timing, ['grid', 'irregular'], 'timing');
  assertOneOf(resolved.faults, ['none', 'mild', 'harsh'], 'fault level');
  assertOneOf(resolved.frameSize, ['full', 'small'], 'frame size');
  return resolved;
}

/** A CLI passes unset flags as undefined; they must not override the defaults. */
function withoutUndefined(options: SimulatorOptions): SimulatorOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
