import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

export default wsgateProject({ name: 'socket.io' });
