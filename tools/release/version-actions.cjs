// `nx release` version actions for the @wsgate npm workspace, used instead of the default
// `@nx/js/src/release/version-actions` (there is no @nx/js 24, and nx 24 alone has no JS
// version actions). What it does:
// - reads and writes `version` in each released package's package.json;
// - rewrites the released packages' references to each other (kept exact: "0.1.0" -> "0.2.0");
// - never asks a registry for anything (versions come from git tags, with package.json as the
//   fallback on the first release);
// - after all projects are versioned, brings every other workspace manifest that pins a
//   released package (apps/*, tools/*: private, not released) and package-lock.json in line,
//   so that `npm ci` keeps linking the workspace packages instead of fetching them.
// In a dry run it only reports what it would change.
'use strict';

const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, posix } = require('node:path');
const { VersionActions } = require('nx/release');
const { readJson, updateJson } = require('nx/src/devkit-exports');

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** New versions decided in this run, by package name (filled by `updateProjectVersion`). */
const newVersions = new Map();

function packageNameOf(projectGraph, projectName) {
  return projectGraph.nodes[projectName]?.data?.metadata?.js?.packageName ?? projectName;
}

class WorkspaceVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = join(this.projectGraphNode.data.root, 'package.json');
    const { version } = readJson(tree, manifestPath);
    if (typeof version !== 'string') {
      throw new TypeError(`${manifestPath} has no "version": set one before releasing`);
    }
    return { currentVersion: version, manifestPath };
  }

  /** Registry lookups are refused on purpose: use `currentVersionResolver: "git-tag"` or `"disk"`. */
  async readCurrentVersionFromRegistry() {
    return null;
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const json = readJson(tree, join(this.projectGraphNode.data.root, 'package.json'));
    const packageName = packageNameOf(projectGraph, dependencyProjectName);
    for (const field of DEPENDENCY_FIELDS) {
      const spec = json[field]?.[packageName];
      if (typeof spec === 'string') return { currentVersion: spec, dependencyCollection: field };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const messages = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      let name;
      updateJson(tree, manifestPath, (json) => {
        name = json.name;
        json.version = newVersion;
        return json;
      });
      if (typeof name === 'string') newVersions.set(name, newVersion);
      messages.push(`New version ${newVersion} written to ${manifestPath}`);
    }
    return messages;
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const messages = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      let updated = 0;
      updateJson(tree, manifestPath, (json) => {
        for (const [projectName, version] of Object.entries(dependenciesToUpdate)) {
          const packageName = packageNameOf(projectGraph, projectName);
          for (const field of DEPENDENCY_FIELDS) {
            if (typeof json[field]?.[packageName] === 'string' && json[field][packageName] !== version) {
              json[field][packageName] = version;
              updated += 1;
            }
          }
        }
        return json;
      });
      if (updated > 0)
        messages.push(
          `Updated ${updated} workspace ${updated === 1 ? 'dependency' : 'dependencies'} in ${manifestPath}`,
        );
    }
    return messages;
  }
}

/** Workspace folders (relative, posix) from the root package.json `workspaces` (`dir/*` globs only). */
function workspaceFolders(cwd) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
  const folders = [];
  for (const pattern of Array.isArray(workspaces) ? workspaces : (workspaces.packages ?? [])) {
    if (!pattern.endsWith('/*')) {
      if (existsSync(join(cwd, pattern, 'package.json'))) folders.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(cwd, parent))) continue;
    for (const entry of readdirSync(join(cwd, parent), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(cwd, parent, entry.name, 'package.json'))) {
        folders.push(posix.join(parent, entry.name));
      }
    }
  }
  return folders;
}

/** Rewrites exact pins of released packages in `manifest`; returns the names it changed. */
function syncPins(manifest) {
  const changed = new Set();
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, version] of newVersions) {
      const spec = manifest[field]?.[name];
      if (typeof spec === 'string' && EXACT_VERSION.test(spec) && spec !== version) {
        manifest[field][name] = version;
        changed.add(name);
      }
    }
  }
  return changed;
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Brings the non-released workspace manifests and package-lock.json in line with the new versions. */
async function afterAllProjectsVersioned(cwd, { dryRun = false } = {}) {
  const changes = new Map(); // file -> names of the pins it changed
  if (newVersions.size === 0) return { changedFiles: [], deletedFiles: [] };
  const folders = workspaceFolders(cwd);
  for (const folder of folders) {
    const file = posix.join(folder, 'package.json');
    const manifest = JSON.parse(readFileSync(join(cwd, file), 'utf8'));
    if (newVersions.has(manifest.name)) continue; // released: nx release has written it already
    const changed = syncPins(manifest);
    if (changed.size === 0) continue;
    changes.set(file, changed);
    if (!dryRun) writeJson(join(cwd, file), manifest);
  }
  const lockPath = join(cwd, 'package-lock.json');
  if (existsSync(lockPath)) {
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    const changed = new Set();
    for (const folder of folders) {
      const entry = lock.packages?.[folder];
      if (entry === undefined) continue;
      const version = newVersions.get(entry.name);
      if (version !== undefined && entry.version !== version) {
        entry.version = version;
        changed.add(entry.name);
      }
      for (const name of syncPins(entry)) changed.add(name);
    }
    if (changed.size > 0) {
      changes.set('package-lock.json', changed);
      if (!dryRun) writeJson(lockPath, lock);
    }
  }
  for (const [file, names] of changes) {
    const pins = [...names].map((name) => `${name}@${newVersions.get(name)}`).join(', ');
    console.log(`${dryRun ? 'Would update' : 'Updated'} ${file}: ${pins}`);
  }
  return { changedFiles: dryRun ? [] : [...changes.keys()], deletedFiles: [] };
}

module.exports = WorkspaceVersionActions;
module.exports.default = WorkspaceVersionActions;
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned;
