/**
 * A source of the current time in epoch milliseconds. Injected everywhere time matters so
 * that tests of expiry and rate limits use a fake clock instead of sleeping.
 */
export type Clock = () => number;

/** The real clock, `Date.now`. */
export const systemClock: Clock = () => Date.now();
