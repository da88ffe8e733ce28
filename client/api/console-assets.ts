import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, stop } from 'esbuild';

/** The console's browser code and stylesheet (console/, DESIGN.md). */
export const CONSOLE_DIR = join(__dirname, '../../console');
const ENTRY = 'main.ts';
const STYLESHEET = 'console.css';

export interface ConsoleAssets {
  script: string;
  stylesheet: string;
  /** Of both: the browser revalidates with it and gets 304 until the console changes. */
  etag: string;
}

/** Every source file of the console, so a change to any of them makes a new build. */
function sourceDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((f) => /\.(ts|css)$/.test(f)).sort()) hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Written whole or not at all (another process may be reading the cache); a cache that cannot be written is only a slower start. */
function keep(file: string, script: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, script);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // Read-only data directory: the build stays in memory.
  }
}

/**
 * The console's assets: `console/main.ts` bundled for the browser by esbuild, and its
 * stylesheet. Built once per version of the sources and kept under `cacheDir` (the data
 * directory), so a restart serves the last build without building again.
 */
export async function buildConsoleAssets(cacheDir: string | undefined, dir = CONSOLE_DIR): Promise<ConsoleAssets> {
  const digest = sourceDigest(dir);
  const cached = cacheDir && join(cacheDir, `console-${digest}.js`);
  let script: string;
  if (cached && existsSync(cached)) script = readFileSync(cached, 'utf8');
  else {
    try {
      const out = await build({ entryPoints: [join(dir, ENTRY)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, logLevel: 'silent' });
      script = out.outputFiles[0].text;
    } finally {
      // esbuild keeps a service process for later builds; there are none, and it would outlive the API.
      await stop();
    }
    if (cached) keep(cached, script);
  }
  return { script, stylesheet: readFileSync(join(dir, STYLESHEET), 'utf8'), etag: `"${digest}"` };
}
