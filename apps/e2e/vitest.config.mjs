// E2E tests start real sample processes: run the spec files one at a time (2-core machines),
// tests inside a file run sequentially as usual.
import { mergeConfig } from 'vitest/config';
import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

export default mergeConfig(await wsgateProject({ name: 'e2e', testTimeout: 20_000 }), {
  test: { fileParallelism: false },
});
