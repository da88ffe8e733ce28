import type { BrowserContext } from 'playwright-core';
import { BERLIN, launchBrowser, personContext, signIn } from '../test/support/browser';
import { startConsoleStack, type ConsoleStack } from '../test/support/console-stack';
import { waitFor } from '../test/support/waiting';
import { percentile } from './percentile';
import { runBench } from './run-bench';

/**
 * The web console in Chromium with many open incidents on the embedded stack (`npm start` in
 * a child process, as test/e2e/console.test.ts runs it): how long from navigation start until
 * the incident list's rows are painted, and until an incident page shows its legal clocks and
 * its verified chain; beside each, the browser's own first-contentful-paint. Each run is a new
 * page in a signed-in person's browser (the assets revalidated from its cache, as on a return
 * visit); one run of each is a warm-up, not counted.
 *   npx tsx bench/console.ts            (BENCH_INCIDENTS=1000, BENCH_RUNS=20)
 */
const INCIDENTS = Number(process.env.BENCH_INCIDENTS || 1000);
const RUNS = Number(process.env.BENCH_RUNS || 20);
const CONCURRENCY = 20;
/** Issue 20's targets. */
const TARGET_MS = { list: 500, incident: 300 };

/**
 * When the page is ready, by the contract's DOM hooks, from a MutationObserver installed before
 * the page's own script: the moment the condition first holds, and the animation frame after
 * it (the frame that paints it), both on the page's clock, whose zero is navigation start.
 */
const READY = {
  list: "document.querySelector('table#incidents tr[data-incident-id]')",
  incident: "document.querySelector('section#clocks div.clock') && /^\\s*Chain (verified|broken)/.test(document.querySelector('#chain-status')?.textContent ?? '')",
};
const probe = (condition: string) => `(() => {
  const observer = new MutationObserver(() => {
    if (window.__ready !== undefined || !(${condition})) return;
    window.__ready = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => { window.__painted = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();`;

interface Run {
  painted: number;
  firstContentfulPaint: number;
}

async function measure(context: BrowserContext, url: string, condition: string): Promise<Run> {
  const page = await context.newPage();
  try {
    await page.addInitScript(probe(condition));
    await page.goto(url);
    // A function, not a string: the console's CSP forbids eval, which a string predicate needs.
    await page.waitForFunction(() => (globalThis as { __painted?: number }).__painted !== undefined, null, { timeout: 30_000 });
    // Paint timings reach the performance timeline a moment after the paint itself.
    // (The browser's performance, not Node's, whose types this file compiles against.)
    await page.waitForFunction(() => (performance as unknown as { getEntriesByType(type: string): Array<{ name: string }> }).getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint'), null, { timeout: 5_000 });
    const [painted, firstContentfulPaint] = (await page.evaluate(
      "[window.__painted, performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN]",
    )) as [number, number];
    return { painted, firstContentfulPaint };
  } finally {
    await page.close();
  }
}

async function series(context: BrowserContext, url: string, condition: string): Promise<Run[]> {
  await measure(context, url, condition);
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(context, url, condition));
  return runs;
}

/** A GET of the API with alice's token, as the console's pages make it (failing on any refusal). */
async function get(stack: ConsoleStack, path: string): Promise<void> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${stack.tokens.alice}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
  await res.arrayBuffer();
}

/** RUNS timings of `call` in ms, after one warm-up, one at a time. */
async function timed(call: () => Promise<unknown>): Promise<number[]> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Opens `count` incidents with signed alerts, CONCURRENCY at a time; a third carry personal data (a GDPR clock each). */
async function openIncidents(stack: ConsoleStack, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < count; i = next++) {
      ids[i] = await stack.alert({
        title: `Bench incident ${i}: rows of one tenant served to another`,
        severity: (['SEV2', 'SEV3', 'SEV4'] as const)[i % 3],
        tenant: `tenant-${i % 25}`,
        dataCategories: i % 3 === 0 ? ['personal-data'] : [],
        dedupKey: `console-bench-${i}`,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  return ids;
}

async function main(): Promise<void> {
  const stack = await startConsoleStack();
  const browser = await launchBrowser();
  try {
    const opening = performance.now();
    const ids = await openIncidents(stack, INCIDENTS);
    // Measured once the worker has paged every incident, not while it still works through them.
    await waitFor('every incident paged', () => stack.slack.callsOf('chat.postMessage').length >= INCIDENTS, 600_000);
    console.log(`${INCIDENTS} incidents opened and paged in ${((performance.now() - opening) / 1000).toFixed(1)} s (${CONCURRENCY} alerts at a time)`);

    const context = await personContext(browser, BERLIN);
    const signingIn = await context.newPage();
    const status = await signIn(signingIn, stack.url, stack.tokens.alice);
    if (status !== 303) throw new Error(`signing in answered ${status}`);
    await signingIn.locator('table#incidents tr[data-incident-id]').first().waitFor();
    const rows = await signingIn.locator('table#incidents tr[data-incident-id]').count();
    await signingIn.close();

    const list = await series(context, `${stack.url}/console`, READY.list);
    const incident = await series(context, `${stack.url}/console/incidents/${encodeURIComponent(ids[0])}`, READY.incident);

    // The API calls each page waits on, timed alone from here: how much of a page's time is the server's.
    const apiList = await timed(() => get(stack, '/v1/incidents'));
    const apiIncident = await timed(() => Promise.all([get(stack, `/v1/incidents/${encodeURIComponent(ids[0])}?tz=Europe/Berlin`), get(stack, `/v1/incidents/${encodeURIComponent(ids[0])}/timeline`)]));

    const row = (what: string, xs: number[], target?: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
      return `${what.padEnd(58)}${ms(percentile(s, 50))}${ms(percentile(s, 95))}${ms(s.at(-1)!)}${target ? `${ms(target)}` : ''}`;
    };
    console.log(`\nweb console, ${INCIDENTS} open incidents (the list shows ${rows} rows), ${RUNS} runs each, headless Chromium, Europe/Berlin de-DE:`);
    console.log(`${''.padEnd(58)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'max'.padStart(9)}${'target'.padStart(9)}`);
    console.log(row('list: navigation start → rows painted', list.map((r) => r.painted), TARGET_MS.list));
    console.log(row('list: first-contentful-paint', list.map((r) => r.firstContentfulPaint)));
    console.log(row('incident page: navigation start → clocks and chain painted', incident.map((r) => r.painted), TARGET_MS.incident));
    console.log(row('incident page: first-contentful-paint', incident.map((r) => r.firstContentfulPaint)));
    console.log(row('API alone: GET /v1/incidents', apiList));
    console.log(row('API alone: GET /v1/incidents/<id> and its timeline', apiIncident));
  } finally {
    await browser.close();
    await stack.stop();
  }
}

runBench(main);
