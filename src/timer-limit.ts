/**
 * The longest delay a Node timer honours: anything longer fires after 1 ms (with only a warning), so
 * every duration and rate that ends up in a timer is bounded by it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
