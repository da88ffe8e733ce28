import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/**
 * Freezes a release's workflow code: bundles the worker's workflow entry of a checkout at its
 * commit into test/workflow/bundles/<short-commit>.js.gz (the bundle's code, gzipped), so
 * test/integration/release-upgrade.test.ts can open incidents on that release's code and hand
 * them to today's worker (docs/WORKFLOW-VERSIONING.md says when to freeze one).
 *
 *   npx tsx scripts/freeze-workflow-bundle.ts [<checkout>]
 *
 * The checkout defaults to this one; an older release is checked out beside it with its own
 * node_modules (`git worktree add /tmp/rel-<commit> <commit>`, then `npm ci` there).
 */
const ENTRIES = [
  // The worker's entry (worker/worker.ts): every workflow it registers.
  'workflows/registered.ts',
  // Releases before the history archive's sweep registered the incident workflow alone.
  'workflows/incident.ts',
];
const OUT_DIR = join(__dirname, '..', 'test', 'workflow', 'bundles');

async function main(checkout: string): Promise<void> {
  const git = (...args: string[]) => execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8' }).trim();
  // The file is named for a commit: the bundle must be that commit's code and nothing else.
  const dirty = git('status', '--porcelain', '--', 'workflows', 'core', 'worker/shared-workflow-modules.ts', 'package-lock.json');
  if (dirty) throw new Error(`${checkout} has uncommitted changes to workflow code, so no commit names its bundle:\n${dirty}`);
  const commit = git('rev-parse', '--short=7', 'HEAD');
  const entry = ENTRIES.map((e) => join(checkout, e)).find((e) => existsSync(e));
  if (!entry) throw new Error(`${checkout} has none of ${ENTRIES.join(', ')}`);
  // Webpack names modules from the working directory: from the checkout they read "./core/x.ts", wherever it lies.
  process.chdir(checkout);
  // A release that shares modules between incidents (worker/shared-workflow-modules.ts) is frozen sharing its own list.
  const sharing = join(checkout, 'worker', 'shared-workflow-modules.ts');
  const shared = existsSync(sharing) ? (require(sharing) as typeof import('../worker/shared-workflow-modules')).sharedModulesBundlerOptions(checkout) : {};
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, ...shared, logger: new DefaultLogger('WARN') });
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `${commit}.js.gz`);
  const frozen = slimSourceMap(code, checkout);
  const gz = gzipSync(frozen, { level: 9 });
  writeFileSync(file, gz);
  console.log(`froze ${entry} at ${commit}: ${Math.round(frozen.length / 1024)} KB of code, ${Math.round(gz.length / 1024)} KB gzipped, in ${file}`);
}

/**
 * The SDK needs the bundle's inline source map (it reads it to name workflow stack frames), but
 * not the whole text of every source in it, which is three quarters of the file, nor the
 * checkout's absolute paths: the map keeps its mappings, with sources named from the checkout.
 */
function slimSourceMap(code: string, checkout: string): string {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  const data = code.indexOf('base64,', at) + 'base64,'.length;
  if (at < 0 || data < at) throw new Error('the bundle has no inline source map, which the SDK needs');
  const { sourcesContent: _dropped, ...map } = JSON.parse(Buffer.from(code.slice(data), 'base64').toString('utf8')) as { sources: string[]; sourcesContent?: string[] };
  const sources = map.sources.map((s) => relative(checkout, s));
  return `${code.slice(0, data)}${Buffer.from(JSON.stringify({ ...map, sources })).toString('base64')}\n`;
}

main(resolve(process.argv[2] ?? join(__dirname, '..'))).catch((err) => {
  console.error(`freeze-workflow-bundle: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
