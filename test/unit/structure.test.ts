import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCycles, importsOf, ROOT, sourceFiles } from '../support/source-graph';

/** The shape issue 17 set for the code, kept by a test so it does not drift back. */
describe('the source tree', () => {
  const files = sourceFiles();

  it('is read whole (the walk finds the modules every layer is made of)', () => {
    for (const known of ['core/incident/incident.ts', 'workflows/incident.ts', 'client/api/server.ts', 'ledger/store.ts', 'config/environment.ts']) expect(files).toContain(known);
  });

  it('has no import cycles among non-test files, type-only imports included', () => {
    expect(importCycles(files)).toEqual([]);
  });

  it('has no non-test file over 400 lines', () => {
    const long = files.map((f) => ({ file: f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length })).filter((f) => f.lines > 400);
    expect(long).toEqual([]);
  });

  it('keeps the domain (core/) free of the layers above it', () => {
    const upward = files.filter((f) => f.startsWith('core/')).flatMap((f) => importsOf(f).filter((i) => i.file && !i.file.startsWith('core/')).map((i) => `${f} imports ${i.file}`));
    expect(upward).toEqual([]);
  });

  it('keeps the web console a client of the REST API: the browser code takes only types from the rest of Klaxon', () => {
    const consoleFiles = files.filter((f) => f.startsWith('console/'));
    expect(consoleFiles).toContain('console/main.ts');
    const reaching = consoleFiles.flatMap((f) => importsOf(f).filter((i) => !i.typeOnly && !(i.file ?? i.specifier).startsWith('console/')).map((i) => `${f} imports ${i.specifier}`));
    expect(reaching).toEqual([]);
  });

  it('finds a cycle made by a type-only import (the check itself works)', () => {
    const dir = 'test/fixtures/import-cycle';
    expect(importCycles([`${dir}/a.ts`, `${dir}/b.ts`, `${dir}/c.ts`])).toEqual([[`${dir}/a.ts`, `${dir}/b.ts`]]);
    expect(importsOf(`${dir}/b.ts`)).toEqual([{ specifier: './a', typeOnly: true, file: `${dir}/a.ts` }, { specifier: './c', typeOnly: false, file: `${dir}/c.ts` }]);
  });
});
