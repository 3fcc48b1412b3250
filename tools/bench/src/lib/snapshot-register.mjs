// `--import` entry of the bench's child processes: installs snapshot-hooks.mjs when the run took
// a snapshot of the @wsgate packages (WSGATE_BENCH_SNAPSHOT names its directory).
import { register } from 'node:module';

const snapshotDir = process.env.WSGATE_BENCH_SNAPSHOT;
if (snapshotDir !== undefined && snapshotDir !== '') {
  register('./snapshot-hooks.mjs', import.meta.url, {
    data: {
      snapshotDir,
      packagesDir: process.env.WSGATE_BENCH_PACKAGES,
      names: (process.env.WSGATE_BENCH_SNAPSHOT_PACKAGES ?? '').split(',').filter(Boolean),
    },
  });
}
