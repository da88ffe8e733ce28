import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
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
let bundledPackages: string[];
beforeAll(async () => {
  // The worker's entry: every workflow it runs.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/registered'), logger: new DefaultLogger('WARN') });
  // Webpack names each module by its path from the root: "./core/x.ts", "./node_modules/luxon/...".
  bundledFiles = [...new Set([...code.matchAll(/"\.\/((?!node_modules\/)[\w/.-]+\.ts)"/g)].map((m) => m[1]))].sort();
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
});
