import { join } from 'node:path';
import type { BundleOptions } from '@temporalio/worker';

/**
 * The modules every incident in a worker shares instead of evaluating its own copy.
 *
 * The SDK runs all workflows of a worker thread in one V8 context and gives each workflow its own
 * module cache: every module first required after a workflow exists is evaluated again for it,
 * and lives as long as it stays cached. For an incident that was luxon and the whole domain
 * (about 50 modules): about a third of the worker's memory at 1,000 open incidents (1,161 MB peak
 * against 824 MB shared, `BENCH_INCIDENTS=1000 BENCH_LEVEL_MINUTES=1 npx tsx bench/open-incidents.ts`),
 * and work in every incident's first workflow task.
 *
 * Modules listed here are evaluated once, when the worker loads the bundle, and frozen by the SDK
 * (their exports cannot be changed afterwards). That is safe for `core/` because it holds no
 * state of its own per incident: it is pure and deterministic (DESIGN.md), and what it keeps at
 * module scope are constants and caches of pure functions (compiled patterns, holiday
 * calendars), which give every incident the same answers. test/workflow/bundle.test.ts checks
 * that every `core/` module in the bundle is reached from this list, and that none keeps a
 * mutable binding at module scope. Workflow modules (`workflows/`) are not shared: their
 * module scope is the incident's own.
 */
const SHARED_CORE = [
  'core/alerts/unredacted-alert',
  'core/audit/audited-steps',
  'core/channels/channels',
  'core/drills/injects',
  'core/escalation/alarms',
  'core/incident/incident',
  'core/incident/incident-alerts',
  'core/incident/incident-rule-error',
  'core/regulation/clock',
  'core/regulation/clock-view',
  'core/regulation/regimes',
  'core/regulation/regulatory-ladder',
  'core/reviews/review',
  'core/reviews/review-audience',
  'core/shared/free-text',
];

/**
 * The bundler options that share them, for the checkout at `root` (this one by default; the
 * release freezer bundles others). Absolute paths: webpack resolves them as the workflows'
 * own imports, so each module is bundled once.
 */
export function sharedModulesBundlerOptions(root = join(__dirname, '..')): Pick<BundleOptions, 'preloadModules'> {
  return { preloadModules: [require.resolve('luxon', { paths: [root] }), ...SHARED_CORE.map((m) => join(root, `${m}.ts`))] };
}
