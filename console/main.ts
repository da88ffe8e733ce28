import { showDeadlinesPage } from './deadlines-page';
import { h, replaceChildren } from './dom';
import { showDrillsPage } from './drills-page';
import { showFailurePage } from './failure';
import { showIncidentList } from './incident-list';
import { showIncidentPage } from './incident-page';
import { loadMe, showWho, type Me } from './me';
import { showReviewsPage } from './reviews-page';
import { showOnCallPage } from './oncall-page';
import { showMaintenancePage } from './maintenance-page';
import { pageOf } from './routes';
import { startCountdowns } from './time';

/**
 * The console's entry: the server sends the same shell for every page; this draws the page
 * the path names into `#main`, as the signed-in token (`/v1/me`) may see it.
 */
async function start(): Promise<void> {
  const main = document.getElementById('main');
  if (!main) return;
  const asked = loadMe();
  const route = pageOf(location.pathname);
  startCountdowns();
  // The list and the deadlines are the same whoever asks (the API narrows them to the token's
  // tenants): drawn while /v1/me is asked, not after it. A session that ended fails their own reads.
  if (route.page === 'list' || route.page === 'compliance' || route.page === 'reviews' || route.page === 'oncall' || route.page === 'maintenance') {
    asked.then(showWho, () => undefined);
    if (route.page === 'reviews') return showReviewsPage(main);
    if (route.page === 'oncall') return showOnCallPage(main);
    if (route.page === 'maintenance') return showMaintenancePage(main);
    return route.page === 'list' ? showIncidentList(main) : showDeadlinesPage(main);
  }
  // An incident's reads start at once too; its page waits for the token only to offer its buttons.
  if (route.page === 'incident') return showIncidentPage(main, route.incidentId, asked);
  let me: Me;
  try {
    me = await asked;
  } catch (err) {
    return showFailurePage(main, 'Klaxon console', err);
  }
  showWho(me);
  // The drills page offers its forms and reports as the token may: drawn once the token is known.
  if (route.page === 'drills') return showDrillsPage(main, me);
  replaceChildren(main, h('h1', {}, 'Page not found'), h('p', {}, 'The console has no such page. ', h('a', { href: '/console' }, 'See the incidents'), '.'));
  document.title = 'Page not found · Klaxon console';
}

void start().catch((err: unknown) => {
  const main = document.getElementById('main');
  if (main) showFailurePage(main, 'Klaxon console', err);
});
