export { buildUrls, type BuildUrlsOptions } from './build-urls.ts';
export { concurrently } from './concurrently.ts';
export { pullConcurrently } from './pull-concurrently.ts';
export { fetchFrames, type FetchFramesOptions } from './fetch-frames.ts';
export { limitPerDate } from './limit-per-date.ts';
export { skipExisting, type SkipExistingOptions } from './skip-existing.ts';
export { skipKnownMissing } from './skip-known-missing.ts';
export { circuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.ts';
