#!/usr/bin/env node
// Keeps README examples from rotting: each fenced code block preceded by a marker
//   <!-- example: examples/minimal.ts -->
// must be byte-for-byte the named file, which the package's `typecheck` target compiles.
// `examples/minimal.ts` itself must be shown in the README (so dropping the block is caught too),
// and so must every file named with `--require` (e.g. a package's second, schema example).
//
// Usage: node tools/scripts/check-readme-examples.mjs [--require examples/x.ts]... [packageDir...]
//   (default directory: the current one)
// Exit code 1 on any mismatch, with the first differing line of each.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const MARKER = /<!--\s*example:\s*(\S+)\s*-->\s*\r?\n```[A-Za-z]*\r?\n([\s\S]*?)\r?\n```/g;
const ALWAYS_REQUIRED = 'examples/minimal.ts';

function firstDifference(expected, actual) {
  const want = expected.split('\n');
  const got = actual.split('\n');
  for (let index = 0; index < Math.max(want.length, got.length); index += 1) {
    if (want[index] !== got[index]) {
      return `line ${index + 1}:\n    file:   ${JSON.stringify(want[index] ?? '<end of file>')}\n    README: ${JSON.stringify(got[index] ?? '<end of block>')}`;
    }
  }
  return 'identical';
}

function checkPackage(dir, required) {
  const problems = [];
  const readmePath = join(dir, 'README.md');
  const name = relative(process.cwd(), dir) || '.';
  if (!existsSync(readmePath)) return [`${name}: no README.md`];
  const readme = readFileSync(readmePath, 'utf8');
  const shown = new Set();
  for (const [, file, block] of readme.matchAll(MARKER)) {
    shown.add(file);
    const filePath = join(dir, file);
    if (!existsSync(filePath)) {
      problems.push(`${name}/README.md shows ${file}, which does not exist`);
      continue;
    }
    const source = readFileSync(filePath, 'utf8').replace(/\r\n/g, '\n').replace(/\n+$/, '');
    const shownSource = block.replace(/\r\n/g, '\n');
    if (source !== shownSource) {
      problems.push(
        `${name}/README.md: the block marked "${file}" differs from ${file}, ${firstDifference(source, shownSource)}`,
      );
    }
  }
  if (existsSync(join(dir, ALWAYS_REQUIRED)) && !shown.has(ALWAYS_REQUIRED))
    required = [ALWAYS_REQUIRED, ...required];
  for (const file of required) {
    if (shown.has(file)) continue;
    problems.push(
      existsSync(join(dir, file))
        ? `${name}/README.md does not show ${file} (add "<!-- example: ${file} -->" before its code block)`
        : `${name}: ${file} is required (--require) but does not exist`,
    );
  }
  if (shown.size === 0 && problems.length === 0)
    problems.push(`${name}/README.md has no "<!-- example: ... -->" block`);
  return problems;
}

const { values, positionals } = parseArgs({
  options: { require: { type: 'string', multiple: true, default: [] } },
  allowPositionals: true,
});
const dirs = positionals.length > 0 ? positionals.map((dir) => resolve(dir)) : [process.cwd()];
const problems = dirs.flatMap((dir) => checkPackage(dir, values.require));
if (problems.length > 0) {
  for (const problem of problems) console.error(`check-readme-examples: ${problem}`);
  process.exit(1);
}
console.log(
  `check-readme-examples: README examples match (${dirs.map((dir) => relative(process.cwd(), dir) || '.').join(', ')})`,
);
