import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

export default wsgateProject({ name: 'core', decorators: true });
