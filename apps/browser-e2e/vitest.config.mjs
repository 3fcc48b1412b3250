// Browser tests drive a real Chromium (playwright-core, the system's /usr/lib/chromium) against
// real sample processes: one spec file at a time (2-core machines), generous timeouts.
import { mergeConfig } from 'vitest/config';
import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

export default mergeConfig(await wsgateProject({ name: 'browser-e2e', testTimeout: 30_000 }), {
  test: { fileParallelism: false, hookTimeout: 60_000, teardownTimeout: 30_000 },
});
