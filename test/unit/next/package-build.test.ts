import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The built package as an app installs it (node packages/next/build.mjs, `npm run build:next`):
 * the middleware bundle must run on the Edge runtime, the client entry must be a client
 * module, and the types must be the package's own.
 */
describe('@klaxon/next build', () => {
  const dist = join(__dirname, '../../../packages/next/dist');
  const read = (file: string) => readFileSync(join(dist, file), 'utf8');

  beforeAll(() => {
    execFileSync(process.execPath, [join(__dirname, '../../../packages/next/build.mjs')], { stdio: 'pipe' });
  }, 120_000);

  it('builds ESM with declarations for the three entry points named in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(dist, '../package.json'), 'utf8'));
    for (const entry of ['./middleware', './client', './server']) {
      expect(existsSync(join(dist, '..', pkg.exports[entry].import))).toBe(true);
      expect(existsSync(join(dist, '..', pkg.exports[entry].types))).toBe(true);
    }
  });

  it('keeps the middleware bundle Edge-safe: no node: module, no Buffer, no process beyond process.env', () => {
    const bundle = read('middleware.js');
    expect(bundle).toContain('klaxonMiddleware');
    expect(bundle).not.toMatch(/from\s*["']node:|require\(|import\(["']node:/);
    expect(bundle).not.toMatch(/\bBuffer\b/);
    expect([...new Set([...bundle.matchAll(/\bprocess\.(\w+)/g)].map((m) => m[1]))]).toEqual(['env']);
    expect(bundle).not.toMatch(/\bzod\b|ZodError/);
    // next is the app's own, imported by its name; only the public next/server.
    expect([...bundle.matchAll(/from\s*["']([^"']+)["']/g)].map((m) => m[1])).toEqual(['next/server']);
  });

  it("starts the client entry with 'use client', bundles Klaxon's redaction into it and leaves react (its only import) to the app", () => {
    const client = read('client.js');
    expect(client).toMatch(/^["']use client["'];/);
    expect(client).toContain('[email]');
    expect(client).not.toMatch(/\bBuffer\b|\bprocess\.|node:/);
    expect([...client.matchAll(/from\s*["']([^"']+)["']/g)].map((m) => m[1])).toEqual(['react']);
  });

  it('bundles the migration into the server entry and leaves pg and next to the app', () => {
    const server = read('server.js');
    expect(server).toContain('CREATE TABLE IF NOT EXISTS klaxon_data_access');
    expect(server).not.toMatch(/node_modules\/pg\//);
    expect(server).toMatch(/import\(["']pg["']\)/);
  });
});
