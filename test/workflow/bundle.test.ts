import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { sharedModulesBundlerOptions } from '../../worker/shared-workflow-modules';
import ts from 'typescript';
import { importsOf, ROOT, sourceFiles } from '../support/source-graph';

/**
 * Workflow code runs in Temporal's sandbox, and every module it imports is evaluated again for
 * each incident: Node-only modules cannot run there, and schema, YAML, database and holiday
 * libraries would cost every incident's start. Modules workflow code may import carry this
 * marker, so whoever edits one knows.
 */
const MARKER = '// Workflow-safe:';
const FORBIDDEN_PACKAGES = ['zod', 'yaml', 'pg', 'date-holidays'];
const forbidden = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier) || FORBIDDEN_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));

let bundledFiles: string[];
let bundledModuleIds: string[];
let bundledPackages: string[];
beforeAll(async () => {
  // The worker's entry: every workflow it runs.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/registered'), ...sharedModulesBundlerOptions(), logger: new DefaultLogger('WARN') });
  // Webpack names each module by its path from the root: "./core/x.ts", "./node_modules/luxon/...".
  bundledFiles = [...new Set([...code.matchAll(/"\.\/((?!node_modules\/)[\w/.-]+\.ts)"/g)].map((m) => m[1]))].sort();
  bundledModuleIds = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => m[1]);
  bundledPackages = [...new Set([...code.matchAll(/"\.\/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)].map((m) => m[1]))].sort();
});

describe('the workflow bundle', () => {
  it('holds the incident workflow and the domain it drives, the archive sweep, and none of zod, yaml, pg or date-holidays', () => {
    expect(bundledFiles).toEqual(expect.arrayContaining(['workflows/registered.ts', 'workflows/history-archive.ts', 'workflows/incident.ts', 'core/incident/incident.ts', 'core/escalation/ladder.ts']));
    expect(bundledPackages).toContain('luxon');
    expect(bundledPackages.filter(forbidden)).toEqual([]);
  });

  it('reaches only modules marked workflow-safe', () => {
    const unmarked = bundledFiles.filter((f) => !f.startsWith('workflows/') && !readFileSync(join(ROOT, f), 'utf8').includes(MARKER));
    expect(unmarked).toEqual([]);
  });

  it('marked modules import nothing Node-only, whether the bundle reaches them today or not', () => {
    const marked = sourceFiles().filter((f) => f.startsWith('workflows/') || readFileSync(join(ROOT, f), 'utf8').includes(MARKER));
    const bad = marked.flatMap((f) => importsOf(f).filter((i) => !i.typeOnly && forbidden(i.specifier)).map((i) => `${f} imports ${i.specifier}`));
    expect(bad).toEqual([]);
  });

  it('shares luxon and every domain module it holds between incidents, each bundled once', () => {
    const shared = sharedModulesBundlerOptions().preloadModules!.map((m) => relative(ROOT, m));
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const i of importsOf(file)) if (!i.typeOnly && i.file) visit(i.file);
    };
    shared.filter((m) => m.startsWith('core/')).forEach(visit);
    // A domain module the workflows reach only past the list would be evaluated again for every incident.
    expect(bundledFiles.filter((f) => f.startsWith('core/') && !reached.has(f))).toEqual([]);
    expect(shared).toContain('node_modules/luxon/build/node/luxon.js');
    expect(bundledModuleIds.filter((id) => id.includes('/luxon/'))).toEqual(['./node_modules/luxon/build/node/luxon.js']);
  });

  it('shares no domain module that keeps a mutable binding of its own (one incident would see another\'s)', () => {
    const mutable = bundledFiles.filter((f) => f.startsWith('core/')).flatMap((f) => {
      const source = ts.createSourceFile(f, readFileSync(join(ROOT, f), 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
      return source.statements.filter((s) => ts.isVariableStatement(s) && !(s.declarationList.flags & ts.NodeFlags.Const)).map((s) => `${f}: ${s.getText(source).split('\n')[0]}`);
    });
    expect(mutable).toEqual([]);
  });
});
