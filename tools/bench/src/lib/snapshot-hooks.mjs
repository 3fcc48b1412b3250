// Module resolution hooks of the bench's server and load-generator processes: `@wsgate/*`
// resolves to the copy of the packages' `dist` taken when the run started (snapshot.mjs), so
// that a package rebuilt during the run (its `dist` removed and written again) neither breaks
// nor changes the code under test. The copies' own dependencies resolve from the original
// package directories, exactly as they would without the snapshot.
import { pathToFileURL } from 'node:url';

let snapshotUrl;
let packagesUrl;
let packages = new Set();

export async function initialize({ snapshotDir, packagesDir, names }) {
  snapshotUrl = pathToFileURL(snapshotDir).href;
  packagesUrl = pathToFileURL(packagesDir).href;
  packages = new Set(names);
}

const WSGATE = /^@wsgate\/([a-z.-]+)$/;

export async function resolve(specifier, context, nextResolve) {
  const wsgate = WSGATE.exec(specifier);
  if (wsgate !== null && packages.has(wsgate[1])) {
    return { url: `${snapshotUrl}/${wsgate[1]}/dist/esm/index.js`, shortCircuit: true };
  }
  const parent = context.parentURL;
  const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-z]+:/.test(specifier);
  if (bare && parent !== undefined && parent.startsWith(`${snapshotUrl}/`)) {
    const original = `${packagesUrl}/${parent.slice(snapshotUrl.length + 1)}`;
    return nextResolve(specifier, { ...context, parentURL: original });
  }
  return nextResolve(specifier, context);
}
