import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../../config/environment';
import { DATADOG_PAYLOAD_TEMPLATE } from '../../core/sources/datadog';
import { SOURCES } from '../../core/sources/registry';

describe('README', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

  it('documents every variable Klaxon reads', () => {
    const missing = Object.keys(CONFIG_VARIABLES).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('gives the two commands of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['start', 'test']));
    expect(readme).toMatch(/npm start\s+#/);
    expect(readme).toMatch(/npm test\s+#/);
  });

  it('gives the Datadog payload template exactly as the source reads it', () => {
    expect(readme).toContain(JSON.stringify(DATADOG_PAYLOAD_TEMPLATE, null, 2));
  });

  it('describes every source', () => {
    for (const name of SOURCES.keys()) expect(readme).toContain(`| \`${name}\` |`);
  });
});
