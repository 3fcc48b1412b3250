import { wsgateProject } from '../../tools/scripts/vitest-preset.mjs';

const project = await wsgateProject({ name: 'redis-store' });

// The suites mostly wait on Redis (timeouts, restarts) and each file runs its own redis-server on
// its own port, so two files run at a time even on 2 cores (Vitest's default there is one). Files
// share a worker's module cache (ioredis, node-redis and core load once per worker, not per file):
// every file closes its clients and servers in afterAll, and nothing is mocked at module level.
export default { ...project, test: { ...project.test, maxWorkers: 2, isolate: false } };
