// Builds @klaxon/next into dist/: ESM bundles by esbuild (Klaxon's own modules from core/ bundled
// in, next/react/pg left to the app) and .d.ts files by tsc. Run from anywhere:
//   node packages/next/build.mjs      (root: npm run build:next)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const external = ['next', 'next/*', 'react', 'react/*', 'react-dom', 'react-dom/*', 'pg'];

rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  external,
  outdir: dist,
  loader: { '.sql': 'text' },
  jsx: 'automatic',
  legalComments: 'none',
  logLevel: 'warning',
  // The package's tsconfig (Bundler resolution, react-jsx), not the repository's CommonJS one.
  tsconfig: join(here, 'tsconfig.json'),
};

// Middleware and client run on the Edge runtime and in browsers: no Node built-ins may slip in.
await build({ ...common, platform: 'neutral', mainFields: ['module', 'main'], entryPoints: [join(here, 'src/middleware.ts')] });
// esbuild keeps the entry's own 'use client' first in the file (test/unit/next/package-build.test.ts checks it).
await build({ ...common, platform: 'neutral', mainFields: ['browser', 'module', 'main'], entryPoints: [join(here, 'src/client.tsx')] });
// zod (the report schemas) is bundled in: the app installs nothing beyond next, react and, for the audit store, pg.
await build({ ...common, platform: 'node', entryPoints: [join(here, 'src/server.ts')] });

// Declarations: tsc emits the package's and the core modules it imports under one root; only the
// package's are published, so none of them may refer to a file outside src/.
const types = join(dist, '.types');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', here, '--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--outDir', types, '--rootDir', join(here, '../..')], { stdio: 'inherit' });
const emitted = join(types, 'packages/next/src');
const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
for (const file of walk(emitted)) {
  const text = readFileSync(file, 'utf8');
  const outside = [...text.matchAll(/from '(\.\.\/[^']*)'/g)].map((m) => m[1]);
  if (outside.length) throw new Error(`${relative(emitted, file)} refers to ${outside.join(', ')} outside the package: its public types must be the package's own`);
}
cpSync(emitted, dist, { recursive: true });
cpSync(join(here, 'src/sql-text.d.ts'), join(dist, 'sql-text.d.ts'));
rmSync(types, { recursive: true, force: true });
if (!existsSync(join(dist, 'middleware.d.ts'))) throw new Error('declarations were not emitted');
console.log(`@klaxon/next built into ${relative(process.cwd(), dist) || '.'}`);
