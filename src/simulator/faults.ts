import type { FaultLevel } from './options.ts';
import { randomFor } from './prng.ts';

/** A wrong answer a flaky URL gives before it recovers. */
export type BadAnswer =
  | { readonly kind: 'status500' }
  | { readonly kind: 'status503' }
  | { readonly kind: 'status429'; readonly retryAfterSeconds: number }
  /** The socket is reset before any byte of the answer. */
  | { readonly kind: 'reset' }
  /** Headers announce the whole body, then the socket closes after part of it. */
  | { readonly kind: 'truncated'; readonly keptShare: number }
  /** A correct answer after a long wait for the first byte. */
  | { readonly kind: 'slowFirstByte'; readonly delayMs: number };

const badAnswerKinds = ['status500', 'status503', 'status429', 'reset', 'truncated', 'slowFirstByte'] as const;

/** Every way an answer can be wrong; `storm` is an answer forced by `Simulator.storm()`. */
export const FAULT_KINDS = [...badAnswerKinds, 'softNotFound', 'storm'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  /** Given, in order, to the first requests for the path; later requests get the right answer. */
  readonly badAnswers: readonly BadAnswer[];
  /** If the path names no frame: 200 with an HTML page (a "soft 404") instead of 404. */
  readonly softNotFound: boolean;
}

interface FaultProfile {
  readonly flakyShare: number;
  readonly badAnswersPerFlakyPath: number;
  readonly softNotFoundShare: number;
  readonly maxRetryAfterSeconds: number;
}

const profiles: Record<FaultLevel, FaultProfile> = {
  none: { flakyShare: 0, badAnswersPerFlakyPath: 0, softNotFoundShare: 0, maxRetryAfterSeconds: 0 },
  mild: { flakyShare: 0.05, badAnswersPerFlakyPath: 1, softNotFoundShare: 0.1, maxRetryAfterSeconds: 1 },
  harsh: { flakyShare: 0.2, badAnswersPerFlakyPath: 2, softNotFoundShare: 0.3, maxRetryAfterSeconds: 2 },
};

function randomBadAnswer(random: () => number, profile: FaultProfile): BadAnswer {
  const kind = badAnswerKinds[Math.floor(random() * badAnswerKinds.length)];
  switch (kind) {
    case 'status429':
      return { kind, retryAfterSeconds: 1 + Math.floor(random() * profile.maxRetryAfterSeconds) };
    case 'truncated':
      return { kind, keptShare: 0.2 + random() * 0.6 };
    case 'slowFirstByte':
      return { kind, delayMs: 200 + Math.floor(random() * 300) };
    default:
      return { kind };
  }
}

/** How a path misbehaves; decided by (seed, level, path) alone, whatever the order of requests. */
export function faultPlan(seed: number, level: FaultLevel, path: string): FaultPlan {
  const profile = profiles[level];
  const random = randomFor(seed, 'faults', path);
  const softNotFound = random() < profile.softNotFoundShare;
  const flaky = random() < profile.flakyShare;
  const badAnswerCount = flaky ? profile.badAnswersPerFlakyPath : 0;
  return { softNotFound, badAnswers: Array.from({ length: badAnswerCount }, () => randomBadAnswer(random, profile)) };
}
