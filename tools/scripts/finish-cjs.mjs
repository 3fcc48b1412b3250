#!/usr/bin/env node
// Marks dist/cjs as CommonJS so Node and TypeScript read the `require` build as such,
// while the package itself stays "type": "module".
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), 'dist', 'cjs');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
