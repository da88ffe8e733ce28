import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './processes';
import { register } from './teardown';

/**
 * The web console's tests drive Debian's Chromium (`apt-get install chromium`) through
 * playwright-core: nothing is downloaded at run time. One browser per test file; each person
 * gets a context of their own (own cookies, own time zone and locale), as two people at two
 * desks would.
 */
export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  register(() => browser.close());
  return browser;
}

/** Where a person sits: the zone and locale their browser reports (what the console renders times in). */
export interface Viewer {
  timezoneId: string;
  locale: string;
}

export const BERLIN: Viewer = { timezoneId: 'Europe/Berlin', locale: 'de-DE' };
export const NEW_YORK: Viewer = { timezoneId: 'America/New_York', locale: 'en-US' };

/** A person's own browser profile: a fresh cookie jar, their zone and locale, downloads kept for the test to read. */
export function personContext(browser: Browser, viewer: Viewer): Promise<BrowserContext> {
  return browser.newContext({ ...viewer, acceptDownloads: true, viewport: { width: 1280, height: 800 } });
}

/**
 * Signs in as a person does: the sign-in form's one field, then its button. Answers the status
 * of the form's POST (303 when signed in, 401 when refused) once the page it leads to has loaded.
 */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<number> {
  await page.goto(`${baseUrl}/console`);
  await page.locator('input[name=token]').fill(token);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/console/sign-in'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState('load');
  return answer.status();
}

export interface AccessibilityProblem {
  id: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

/**
 * axe-core's serious and critical violations on the page as it stands: a test expects none and
 * prints them when it finds some (rule id, what it means, where).
 */
export async function accessibilityProblems(page: Page): Promise<AccessibilityProblem[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/**
 * Text the layout squeezes into a column too narrow to read (a few letters a line, as a grid
 * column sized to its neighbour's max-content leaves it): each element holding at least 20
 * characters of its own text but laid out narrower than 80 CSS pixels, named by tag, classes
 * and the start of its text. axe does not see this; a reader does at once.
 */
export async function squeezedText(page: Page): Promise<string[]> {
  return (await page.evaluate(`[...document.querySelectorAll('#main *')].flatMap((el) => {
    const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim();
    const box = el.getBoundingClientRect();
    return own.length >= 20 && box.width > 0 && box.width < 80 ? [el.tagName.toLowerCase() + [...el.classList].map((c) => '.' + c).join('') + ' ' + Math.round(box.width) + 'px: ' + own.slice(0, 40)] : [];
  })`)) as string[];
}

/** Keeps a full-page PNG of the page under test-results/console/<name>.png (the README shows them). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(ROOT, 'test-results/console');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What went wrong inside a page while a test drove it. */
export interface PageTrouble {
  /** Uncaught exceptions and console errors (a CSP refusal of an inline script or style is one). */
  errors: string[];
  /** alert(), confirm() or prompt() opened by the page: the console never opens one, injected script would. */
  dialogs: string[];
}

/**
 * Watches a page for uncaught errors, console errors and dialogs (dismissed at once, so a
 * test never hangs on one). Chromium also logs every non-2xx answer to a fetch as a console
 * error ("Failed to load resource: … 404"); those are what the bad-input tests provoke on
 * purpose, so they are left out: each test checks the page the refusal leads to instead.
 */
export function watchPage(page: Page): PageTrouble {
  const trouble: PageTrouble = { errors: [], dialogs: [] };
  page.on('pageerror', (err) => trouble.errors.push(`uncaught: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of')) {
      trouble.errors.push(`console: ${message.text()}`);
    }
  });
  page.on('dialog', (dialog) => {
    trouble.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return trouble;
}
