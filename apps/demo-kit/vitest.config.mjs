// Unit tests of the demo kit (fake clocks and in-memory fakes); the samples built on it are
// tested as real processes by apps/e2e.
import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

export default await wsgateProject({ name: 'demo-kit' });
