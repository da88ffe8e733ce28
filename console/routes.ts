/** The console's own pages, as the server answers them (each the same shell; main.ts picks the page). */
export const consolePath = {
  list: '/console',
  compliance: '/console/compliance',
  drills: '/console/drills',
  reviews: '/console/reviews',
  oncall: '/console/oncall',
  maintenance: '/console/maintenance',
  /** The id is outside text: one encoded path segment, so no id can reach another route. */
  incident: (incidentId: string): string => `/console/incidents/${encodeURIComponent(incidentId)}`,
};

export type ConsolePage = { page: 'list' } | { page: 'compliance' } | { page: 'drills' } | { page: 'reviews' } | { page: 'oncall' } | { page: 'maintenance' } | { page: 'incident'; incidentId: string } | { page: 'unknown' };

/** Which page a path is; a path that does not decode (a lone `%`) is no page. */
export function pageOf(pathname: string): ConsolePage {
  const path = pathname.replace(/\/+$/, '');
  if (path === consolePath.list) return { page: 'list' };
  if (path === consolePath.compliance) return { page: 'compliance' };
  if (path === consolePath.drills) return { page: 'drills' };
  if (path === consolePath.reviews) return { page: 'reviews' };
  if (path === consolePath.oncall) return { page: 'oncall' };
  if (path === consolePath.maintenance) return { page: 'maintenance' };
  const incident = /^\/console\/incidents\/([^/]+)$/.exec(path);
  if (incident) {
    try {
      return { page: 'incident', incidentId: decodeURIComponent(incident[1]) };
    } catch {
      return { page: 'unknown' };
    }
  }
  return { page: 'unknown' };
}
