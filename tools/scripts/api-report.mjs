#!/usr/bin/env node
// The public-API report of the package in the current directory, one per entry point of its
// `exports` map (API Extractor's report format): `api/<name>.api.md` for ".", and
// `api/<name>-<subpath>.api.md` for each subpath (API Extractor reads one entry point at a time).
//
//   node ../../tools/scripts/api-report.mjs          check: fails when a report differs from the build
//   node ../../tools/scripts/api-report.mjs --update writes the reports (commit them with the change)
//
// Run after the build: it reads the published declarations (dist/esm/**/*.d.ts), so a report shows
// exactly what a user can import. An accidental export or a changed public type fails the check.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const update = process.argv.includes('--update');
const packageDir = process.cwd();
const packageJsonPath = join(packageDir, 'package.json');
const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
const unscopedName = manifest.name.replace(/^@[^/]+\//, '');

/** Entry points of the exports map: [report name, declaration file]. */
function entryPoints() {
  return Object.entries(manifest.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const types = target?.import?.types;
      if (typeof types !== 'string')
        throw new Error(`${manifest.name}: exports["${subpath}"] has no import types`);
      const suffix = subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`;
      return [`${unscopedName}${suffix}`, resolve(packageDir, types)];
    });
}

const reportFolder = join(packageDir, 'api');
mkdirSync(reportFolder, { recursive: true });
const tempFolder = mkdtempSync(join(tmpdir(), `api-report-${unscopedName}-`));
const stale = [];
let failed = false;
try {
  for (const [reportName, entry] of entryPoints()) {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: packageDir,
        mainEntryPointFilePath: entry,
        compiler: { tsconfigFilePath: join(packageDir, 'tsconfig.build.json') },
        apiReport: {
          enabled: true,
          reportFileName: reportName,
          reportFolder,
          reportTempFolder: tempFolder,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
          extractorMessageReporting: {
            default: { logLevel: ExtractorLogLevel.Warning },
            // Release tags (@public/@beta) are not used here: every export of an entry point is public.
            'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
            // A type reachable from the API but not exported is flagged in the report itself.
            'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
          },
          tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
        },
      },
      configObjectFullPath: join(packageDir, 'api-extractor.json'),
      packageJsonFullPath: packageJsonPath,
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      messageCallback(message) {
        // Only the outcome is worth a line; the analysis notes stay in the report.
        if (message.logLevel !== ExtractorLogLevel.Error) message.logLevel = ExtractorLogLevel.None;
      },
    });
    if (!result.succeeded && !result.apiReportChanged) failed = true;
    if (result.apiReportChanged) stale.push(`api/${reportName}.api.md`);
  }
} finally {
  rmSync(tempFolder, { recursive: true, force: true });
}

if (failed) {
  console.error(`${manifest.name}: API Extractor failed (see above)`);
  process.exit(1);
}
if (stale.length > 0 && !update) {
  console.error(
    `${manifest.name}: the public API changed: ${stale.join(', ')}.\n` +
      'If the change is intended, run `npm run api:update` and commit the reports.',
  );
  process.exit(1);
}
console.log(`${manifest.name}: ${update ? 'API reports written' : 'public API unchanged'}`);
