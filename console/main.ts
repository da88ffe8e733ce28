import { showDeadlinesPage } from './deadlines-page';
import { h, replaceChildren } from './dom';
import { showFailurePage } from './failure';
import { showIncidentList } from './incident-list';
import { showIncidentPage } from './incident-page';
import { loadMe, showWho, type Me } from './me';
import { pageOf } from './routes';
import { startCountdowns } from './time';

/**
 * The console's entry: the server sends the same shell for every page; this draws the page
 * the path names into `#main`, as the signed-in token (`/v1/me`) may see it.
 */
async function start(): Promise<void> {
  const main = document.getElementById('main');
  if (!main) return;
  let me: Me;
  try {
    me = await loadMe();
  } catch (err) {
    return showFailurePage(main, 'Klaxon console', err);
  }
  showWho(me);
  startCountdowns();
  const route = pageOf(location.pathname);
  switch (route.page) {
    case 'list':
      return showIncidentList(main);
    case 'compliance':
      return showDeadlinesPage(main);
    case 'incident':
      return showIncidentPage(main, route.incidentId, me);
    case 'unknown':
      replaceChildren(main, h('h1', {}, 'Page not found'), h('p', {}, 'The console has no such page. ', h('a', { href: '/console' }, 'See the incidents'), '.'));
      document.title = 'Page not found · Klaxon console';
  }
}

void start().catch((err: unknown) => {
  const main = document.getElementById('main');
  if (main) showFailurePage(main, 'Klaxon console', err);
});
