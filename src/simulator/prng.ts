/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32: tiny, fast and good enough for test data). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 32-bit FNV-1a hash of the key parts, each followed by a separator so ("a1", 2) and ("a", 12) differ. */
function hashKey(parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let index = 0; index < text.length; index++) {
      hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
    }
  }
  return hash >>> 0;
}

/**
 * A generator keyed by what it decides about (e.g. seed, stream, date, slot), so that every decision
 * is the same whatever order requests arrive in.
 */
export function randomFor(...key: (string | number)[]): () => number {
  return mulberry32(hashKey(key));
}
