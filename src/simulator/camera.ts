import { createHash } from 'node:crypto';
import type { Variant } from '../items.ts';
import { baseImages } from './base-images.ts';
import { frameAt, framesOn, type SimFrame } from './frame-schedule.ts';
import { parseFramePath } from './frame-path.ts';
import { withComment } from './jpeg.ts';
import { resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.ts';
import { randomFor } from './prng.ts';

/** What the simulated camera has shot, without any HTTP: what a downloader should end up with. */
export interface Camera {
  readonly options: ResolvedSimulatorOptions;
  /** Every frame of the stream on that UTC date (`YYYY-MM-DD`), in time order; any date works. */
  frames(date: string, stream: string): SimFrame[];
  /** The exact bytes served for that frame, or undefined when the camera has no such frame or variant. */
  frameBytes(stream: string, capturedAt: string, variant?: Variant): Buffer | undefined;
  /** Hex SHA-256 of `frameBytes(...)`. */
  frameSha256(stream: string, capturedAt: string, variant?: Variant): string | undefined;
  /** The JPEG served at a CDN path such as `/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg`. */
  jpegAt(path: string): Buffer | undefined;
}

export function createCamera(options: SimulatorOptions = {}): Camera {
  const resolved = resolveSimulatorOptions(options);
  const { seed, terminal } = resolved;
  const bases = baseImages(seed, resolved.frameSize);

  /** A stuck camera shows the picture of the moment it hung: its bytes are those of the stretch's start. */
  const pictureTime = (stream: string, capturedAt: string) =>
    resolved.stuck.find((stuck) => stuck.stream === stream && stuck.from <= capturedAt && capturedAt < stuck.until)?.from ?? capturedAt;

  const frameBytes = (stream: string, capturedAt: string, variant: Variant = 'full') => {
    const frame = frameAt(resolved, stream, capturedAt);
    if (!frame || (variant === 'full' && frame.thumbnailOnly)) return undefined;
    const shownAt = pictureTime(stream, capturedAt);
    const choices = bases[variant];
    const base = choices[Math.floor(randomFor(seed, 'base', terminal, stream, shownAt)() * choices.length)];
    return withComment(base, `draydog simulator seed=${seed} ${terminal}/${stream}/${shownAt}/${variant}`);
  };

  return {
    options: resolved,
    frames: (date, stream) => framesOn(resolved, date, stream),
    frameBytes,
    frameSha256: (stream, capturedAt, variant) => {
      const bytes = frameBytes(stream, capturedAt, variant);
      return bytes && createHash('sha256').update(bytes).digest('hex');
    },
    jpegAt: (path) => {
      const parts = parseFramePath(path);
      if (parts?.terminal !== terminal) return undefined;
      return frameBytes(parts.stream, parts.capturedAt, parts.variant);
    },
  };
}
