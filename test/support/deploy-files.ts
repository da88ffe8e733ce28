import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** What deploy/ ships for operators: the Prometheus alert rules and the Grafana dashboard. */
export const DEPLOY = join(__dirname, '../../deploy');
export const RULES_FILE = join(DEPLOY, 'prometheus/klaxon-rules.yml');

/** The PromQL of every alert rule. */
export const ruleExprs = (): string[] => (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.expr));

/** The PromQL of every panel of the dashboard. */
export const dashboardExprs = (): string[] =>
  (JSON.parse(readFileSync(join(DEPLOY, 'grafana/klaxon-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels.flatMap((p) => p.targets.map((t) => t.expr));
