import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { registry } from '../../telemetry/metrics';
import '../../telemetry/incident-gauges';
import { dashboardExprs, DEPLOY, RULES_FILE, ruleExprs } from '../support/deploy-files';

/**
 * What deploy/ ships for operators, checked by Debian's promtool (`apt-get install prometheus`):
 * the alert rules load, their unit tests pass, and every Klaxon metric the rules and the Grafana
 * dashboard read is one Klaxon exports (a renamed metric would leave a rule silent for ever).
 */
const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: join(DEPLOY, 'prometheus'), encoding: 'utf8' });

describe('deploy/prometheus and deploy/grafana', () => {
  it('the alert rules pass promtool check rules and their unit tests', () => {
    expect(promtool('check', 'rules', RULES_FILE)).toMatch(/SUCCESS: 9 rules found/);
    expect(promtool('test', 'rules', 'klaxon-rules.test.yml')).toMatch(/SUCCESS/);
  });

  it('read only metrics Klaxon exports', async () => {
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const read = [...ruleExprs(), ...dashboardExprs()].flatMap((e) => e.match(/\bklaxon_[a-z_]+/g) ?? []);
    const unknown = read.map((name) => name.replace(/_(bucket|count|sum)$/, '')).filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
    expect(new Set(read).size).toBeGreaterThan(10);
  });
});
