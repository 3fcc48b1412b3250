// Vitest wiring: which samples to run against, and the sample process of a describe block
// (started in beforeAll; stopped in afterAll, then checked: no crash, clean logs).
import { SampleSlot } from 'test-support/sample-slot';
import type { StartOptions } from 'test-support/sample-process';
import { afterAll, beforeAll } from 'vitest';

export { SAMPLES, SampleSlot } from 'test-support/sample-slot';

/**
 * Samples whose server-log assertions this suite can read: the hijacking and reconnect files
 * join the Fastify sample's pino request log (`reqId`, `req`, `res`) with the page's view.
 */
export const LOG_ASSERTING_SAMPLES: readonly string[] = ['fastify-sample'];

/** Starts `sample` before the tests of the enclosing describe block and stops (and checks) it afterwards. */
export function useSample(sample: string, options: StartOptions = {}): SampleSlot {
  const slot = new SampleSlot(sample, options);
  beforeAll(() => slot.start());
  afterAll(() => slot.stopAndCheck());
  return slot;
}
